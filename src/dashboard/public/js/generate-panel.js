// The job page's Generate panel: a fresh grid from the job's latest generator for a seed, a count and (cgan) a class.
import { ApiError } from './api.js';
import { h, replace } from './dom.js';

const MAX = 64;

export class GeneratePanel {
  /** @param {string} jobId @param {boolean} conditional whether the model takes a label */
  constructor(jobId, conditional) {
    this.jobId = jobId;
    this.seed = h('input', { id: 'generate-seed', type: 'number', min: 0, step: 1, value: 1, inputmode: 'numeric' });
    this.count = h('input', { id: 'generate-count', type: 'number', min: 1, max: MAX, step: 1, value: 16, inputmode: 'numeric' });
    this.label = conditional
      ? h('select', { id: 'generate-label' }, h('option', { value: '' }, 'all, in turn'), Array.from({ length: 10 }, (_, c) => h('option', { value: String(c) }, String(c))))
      : null;
    this.message = h('p', { class: 'field-error', 'aria-live': 'polite' });
    this.image = h('img', { class: 'generated', alt: 'generated samples', hidden: true });
    const field = (label, input) => h('div', { class: 'field' }, h('label', { for: input.id }, label), input);
    this.element = h(
      'form',
      { class: 'generate', novalidate: true, onsubmit: (e) => (e.preventDefault(), this.generate()) },
      h(
        'div',
        { class: 'generate-fields' },
        field('Seed', this.seed),
        field(`Count (≤ ${MAX})`, this.count),
        this.label && field('Digit', this.label),
        h('button', { type: 'submit', class: 'button primary', 'data-action': 'generate' }, 'Generate'),
      ),
      this.message,
      this.image,
    );
  }

  async generate() {
    const query = new URLSearchParams({ n: this.count.value, seed: this.seed.value });
    if (this.label?.value) query.set('label', this.label.value);
    const url = `jobs/${encodeURIComponent(this.jobId)}/generate.png?${query}`;
    replace(this.message);
    try {
      const res = await fetch(url);
      if (!res.ok) throw new ApiError(await res.json().catch(() => ({ status: res.status })));
      const blob = await res.blob();
      URL.revokeObjectURL(this.image.src);
      this.image.src = URL.createObjectURL(blob);
      this.image.hidden = false;
    } catch (err) {
      this.message.textContent = err instanceof ApiError && err.status === 404 ? 'No checkpoint yet: a generator is saved with the first checkpoint.' : err.message;
    }
  }
}
