// Small pieces shared by the views: the status badge, the progress bar and the latest-losses line.
import { h } from './dom.js';
import { fmtInt } from './format.js';
import { metricMeta } from './metric-names.js';

export function statusBadge(status) {
  return h('span', { class: `badge status-${status}`, 'data-status': status }, status);
}

/** A thin bar followed by "1,200 / 30,000 · 4%"; `status` colours it. */
export function progressBar({ iteration, iterations }, status) {
  const fraction = iterations > 0 ? Math.min(1, iteration / iterations) : 0;
  return h(
    'div',
    { class: `progress status-${status}` },
    h(
      'div',
      { class: 'progress-track', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': iterations, 'aria-valuenow': iteration },
      h('div', { class: 'progress-fill', style: `width: ${(fraction * 100).toFixed(2)}%` }),
    ),
    h('span', { class: 'progress-label' }, `${fmtInt(iteration)} / ${fmtInt(iterations)}`, h('span', { class: 'muted' }, ` · ${Math.floor(fraction * 100)}%`)),
  );
}

export function lossesLine(latest) {
  if (!latest) return h('span', { class: 'muted' }, '–');
  const SHORT = { dLoss: 'D', dAcc: 'acc', gLoss: 'G' };
  return h(
    'span',
    { class: 'losses' },
    // `quality` sits beside the metrics in `latest`; it is not a loss.
    Object.keys(latest).filter((name) => name !== 'quality').map((name) => {
      const m = metricMeta(name);
      return h('span', { title: m.label }, h('i', { class: `key ${m.key}` }), `${SHORT[name] ?? name} `, m.format(latest[name]));
    }),
  );
}
