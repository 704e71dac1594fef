// The live loss chart: D and G loss on the left axis, D accuracy on its own right axis, drawn with uPlot.
import uPlot from '../vendor/uplot/uPlot.esm.js';
import { h } from './dom.js';
import { fmtInt, fmtLoss, fmtPercent } from './format.js';

const HEIGHT = 360;
const COLORS = { dLoss: '#2563eb', gLoss: '#ea580c', dAcc: '#16a34a' };

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
    return {
      width,
      height: HEIGHT,
      scales: { x: { time: false }, loss: { auto: true }, acc: { range: [0, 1] } },
      series: [
        { label: 'iteration', value: (_u, v) => (v === null ? '–' : fmtInt(v)) },
        line('D loss', 'loss', COLORS.dLoss, fmtLoss),
        line('G loss', 'loss', COLORS.gLoss, fmtLoss),
        // Thinner: accuracy is the noisiest of the three and would hide the losses.
        line('D accuracy', 'acc', COLORS.dAcc, fmtPercent, { width: 1 }),
      ],
      axes: [
        { ...axis, values: (_u, ticks) => ticks.map(fmtInt) },
        { ...axis, scale: 'loss', label: 'loss', size: 56 },
        { ...axis, scale: 'acc', side: 1, label: 'D accuracy', grid: { show: false }, values: (_u, ticks) => ticks.map(fmtPercent) },
      ],
      cursor: { drag: { x: true, y: false } },
      hooks: {
        setSelect: [(u) => u.select.width > 0 && (this.zoomed = true)],
        setCursor: [() => this.showLatest()],
      },
    };
  }
}
