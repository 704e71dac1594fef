// A job's sample quality against iteration: FD (lower is better) on the left axis, IS (higher is better) on the right.
import uPlot from '../vendor/uplot/uPlot.esm.js';
import { h, replace } from './dom.js';
import { fmtInt } from './format.js';
import { fmtFd, fmtIs, scorerText } from './quality-text.js';

const HEIGHT = 240;
export const FD_COLOR = '#db2777';
export const IS_COLOR = '#0891b2';

export class QualityChart {
  /** @param {HTMLElement} container */
  constructor(container) {
    this.container = container;
    this.points = new Map();
    this.scorer = null;
    this.state = h('p', { class: 'muted small quality-state' });
    this.plotBox = h('div', { class: 'chart quality-chart', 'data-points': '0' });
    this.empty = h('div', { class: 'chart-empty' }, 'No checkpoint scored yet');
    replace(container, this.state, this.plotBox);
    this.plot = new uPlot(this.options(this.plotBox.clientWidth || 600), [[], [], []], this.plotBox);
    this.plotBox.append(this.empty);
    this.resizer = new ResizeObserver(() => this.plot.setSize({ width: this.plotBox.clientWidth, height: HEIGHT }));
    this.resizer.observe(this.plotBox);
  }

  /** GET /jobs/:id/quality's answer. */
  setAll({ scorer, points }) {
    for (const p of points) this.points.set(p.iteration, p);
    this.setScorer(scorer);
    this.render();
  }

  /** A `quality` event: a new point, or a checkpoint scored again. */
  add(point) {
    this.points.set(point.iteration, point);
    // A point means the scorer works, whatever state was last read.
    this.setScorer(this.scorer && this.scorer.state !== 'ready' ? { ...this.scorer, state: 'ready' } : this.scorer);
    this.render();
  }

  setScorer(scorer) {
    this.scorer = scorer;
    this.state.textContent = scorerText(scorer, this.points.size);
    this.state.dataset.state = scorer?.state ?? 'none';
  }

  render() {
    const sorted = [...this.points.values()].sort((a, b) => a.iteration - b.iteration);
    this.plot.setData([sorted.map((p) => p.iteration), sorted.map((p) => p.fd), sorted.map((p) => p.is)]);
    this.plotBox.dataset.points = String(sorted.length);
    this.empty.hidden = sorted.length > 0;
    if (sorted.length) this.plot.setLegend({ idx: sorted.length - 1 }, false);
  }

  destroy() {
    this.resizer.disconnect();
    this.plot.destroy();
  }

  options(width) {
    const axis = { stroke: '#64748b', grid: { stroke: '#e2e8f0', width: 1 }, ticks: { stroke: '#cbd5e1', width: 1 } };
    const line = (label, scale, stroke, fmt) => ({ label, scale, stroke, width: 2, spanGaps: true, points: { show: true, size: 6 }, value: (_u, v) => fmt(v) });
    return {
      width,
      height: HEIGHT,
      scales: { x: { time: false }, fd: { auto: true }, is: { auto: true } },
      series: [
        { label: 'iteration', value: (_u, v) => (v === null ? '–' : fmtInt(v)) },
        line('FD (lower is better)', 'fd', FD_COLOR, fmtFd),
        line('IS (higher is better)', 'is', IS_COLOR, fmtIs),
      ],
      axes: [
        { ...axis, values: (_u, ticks) => ticks.map(fmtInt) },
        { ...axis, scale: 'fd', label: 'FD', size: 56 },
        { ...axis, scale: 'is', side: 1, label: 'IS', grid: { show: false } },
      ],
    };
  }
}
