// The live loss chart: a job's losses on the left axis, an accuracy (if its model reports one) on its own right axis, drawn with uPlot.
import uPlot from '../vendor/uplot/uPlot.esm.js';
import { h } from './dom.js';
import { fmtInt, fmtPercent } from './format.js';
import { metricMeta } from './metric-names.js';

const HEIGHT = 360;

export class LossChart {
  /** @param {HTMLElement} container @param {import('./loss-series.js').LossSeries} series */
  constructor(container, series) {
    this.container = container;
    this.series = series;
    this.zoomed = false;
    this.frame = 0;
    this.empty = h('div', { class: 'chart-empty' }, 'No metrics yet');
    this.plot = new uPlot(this.options(container.clientWidth || 600), series.data(), container);
    container.append(this.empty);
    container.addEventListener('dblclick', () => (this.zoomed = false));
    this.resizer = new ResizeObserver(() => this.plot.setSize({ width: container.clientWidth, height: HEIGHT }));
    this.resizer.observe(container);
    this.render();
  }

  /** Redraws on the next animation frame: many SSE batches in one frame cost one redraw. */
  update() {
    if (!this.frame) this.frame = requestAnimationFrame(() => this.render());
  }

  render() {
    this.frame = 0;
    this.plot.setData(this.series.data(), !this.zoomed);
    this.container.dataset.points = String(this.series.length);
    this.empty.hidden = this.series.length > 0;
    this.showLatest();
  }

  /** Without the cursor on the plot, the legend shows the newest values rather than dashes. */
  showLatest() {
    const n = this.plot.data[0].length;
    if (n > 0 && this.plot.cursor.idx == null) this.plot.setLegend({ idx: n - 1 }, false);
  }

  destroy() {
    cancelAnimationFrame(this.frame);
    this.resizer.disconnect();
    this.plot.destroy();
  }

  options(width) {
    const line = (label, scale, stroke, value, extra = {}) => ({ label, scale, stroke, width: 1.5, value: (_u, v) => value(v), ...extra });
    const axis = { stroke: '#64748b', grid: { stroke: '#e2e8f0', width: 1 }, ticks: { stroke: '#cbd5e1', width: 1 } };
    const metas = this.series.names.map(metricMeta);
    const accuracy = metas.find((m) => m.accuracy);
    return {
      width,
      height: HEIGHT,
      scales: { x: { time: false }, loss: { auto: true }, acc: { range: [0, 1] } },
      series: [
        { label: 'iteration', value: (_u, v) => (v === null ? '–' : fmtInt(v)) },
        // An accuracy is drawn thinner: it is the noisiest line and would hide the losses.
        ...metas.map((m) => line(m.label, m.accuracy ? 'acc' : 'loss', m.color, m.format, m.accuracy ? { width: 1 } : {})),
      ],
      axes: [
        { ...axis, values: (_u, ticks) => ticks.map(fmtInt) },
        { ...axis, scale: 'loss', label: 'loss', size: 56 },
        ...(accuracy
          ? [{ ...axis, scale: 'acc', side: 1, label: accuracy.label, grid: { show: false }, values: (_u, ticks) => ticks.map(fmtPercent) }]
          : []),
      ],
      cursor: { drag: { x: true, y: false } },
      hooks: {
        setSelect: [(u) => u.select.width > 0 && (this.zoomed = true)],
        setCursor: [() => this.showLatest()],
      },
    };
  }
}
