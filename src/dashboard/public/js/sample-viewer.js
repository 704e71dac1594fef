// The sample grids of a job: the chosen one shown large, a slider through every sample iteration.
import { relative } from './api.js';
import { h, replace } from './dom.js';
import { fmtFullTime, fmtInt, fmtTime } from './format.js';

export class SampleViewer {
  constructor() {
    this.samples = [];
    this.index = -1;
    this.image = h('img', { class: 'sample-image', alt: 'no sample yet', hidden: true });
    this.placeholder = h('div', { class: 'sample-placeholder' }, 'The first sample appears after “sample interval” iterations.');
    this.slider = h('input', { type: 'range', min: 0, max: 0, step: 1, value: 0, disabled: true, 'aria-label': 'Sample iteration' });
    this.caption = h('div', { class: 'sample-caption' });
    this.slider.addEventListener('input', () => this.show(Number(this.slider.value)));
    this.element = h(
      'div',
      { class: 'sample-viewer' },
      h('div', { class: 'sample-frame' }, this.image, this.placeholder),
      h('div', { class: 'sample-controls' }, this.slider, this.caption),
    );
  }

  /** Replaces the list (sorted by iteration); the latest sample is shown. */
  setAll(samples) {
    this.samples = [...samples].sort((a, b) => a.iteration - b.iteration);
    this.show(this.samples.length - 1);
  }

  /** A new sample from the event stream; followed if the slider was at the latest one. */
  add(sample) {
    if (this.samples.some((s) => s.id === sample.id)) return;
    const following = this.index === this.samples.length - 1;
    this.samples.push(sample);
    this.samples.sort((a, b) => a.iteration - b.iteration);
    this.show(following ? this.samples.length - 1 : this.index);
  }

  show(index) {
    const n = this.samples.length;
    this.slider.max = String(Math.max(0, n - 1));
    this.slider.disabled = n < 2;
    this.placeholder.hidden = n > 0;
    this.image.hidden = n === 0;
    if (n === 0) return replace(this.caption);
    this.index = Math.max(0, Math.min(index, n - 1));
    this.slider.value = String(this.index);
    const sample = this.samples[this.index];
    this.image.src = relative(sample.url);
    this.image.alt = `samples at iteration ${sample.iteration}`;
    this.image.dataset.iteration = String(sample.iteration);
    replace(
      this.caption,
      h('strong', {}, `iteration ${fmtInt(sample.iteration)}`),
      h('span', { class: 'muted' }, ` · ${this.index + 1} of ${n} · `),
      h('span', { class: 'muted', title: fmtFullTime(sample.createdAt) }, fmtTime(sample.createdAt)),
      ' ',
      h('a', { href: relative(sample.url), download: `sample-${sample.iteration}.png` }, 'PNG'),
    );
  }
}
