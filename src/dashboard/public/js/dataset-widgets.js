// How a dataset is shown wherever it appears: its shape and labels in words, live processing state, class bars, skips.
import { h } from './dom.js';
import { fmtInt } from './format.js';
import { statusBadge } from './widgets.js';

/** "32 × 32 × 3" (height × width × channels). */
export const fmtShape = (shape) => (Array.isArray(shape) ? shape.join(' × ') : '–');

/** Whether a dataset has classes a conditional model can use (the API's own rule: at least two). */
export const isLabelled = (d) => (d.classes?.length ?? 0) >= 2;

/** "10 classes", "unlabelled" (one class is as good as none to a conditional model, but still said). */
export const labelsText = (d) => {
  const n = d.classes?.length ?? 0;
  return n === 0 ? 'unlabelled' : n === 1 ? '1 class (unlabelled)' : `${n} classes`;
};

/** One line for menus: "pets · 32 × 32 × 3 · 2 classes", built-ins marked. */
export const datasetLabel = (d) => `${d.name} · ${fmtShape(d.shape)} · ${labelsText(d)}${d.builtin ? ' · built-in' : ''}`;

/**
 * The status badge, then what goes with it: images done so far while processing (when the API reports a
 * `progress` {done, total}), the reason when failed.
 */
export function datasetStatus(d) {
  const parts = [statusBadge(d.status)];
  if (d.status === 'processing' && d.progress && d.progress.total > 0) {
    const { done, total } = d.progress;
    parts.push(
      h(
        'div',
        { class: 'progress status-running dataset-progress' },
        h(
          'div',
          { class: 'progress-track', role: 'progressbar', 'aria-label': 'Images processed', 'aria-valuemin': 0, 'aria-valuemax': total, 'aria-valuenow': done },
          h('div', { class: 'progress-fill', style: `width: ${((100 * Math.min(done, total)) / total).toFixed(1)}%` }),
        ),
        h('span', { class: 'progress-label' }, `${fmtInt(done)} / ${fmtInt(total)} files`),
      ),
    );
  }
  if (d.status === 'failed' && d.error) parts.push(h('p', { class: 'dataset-error' }, d.error));
  return h('div', { class: 'dataset-status' }, parts);
}

/** One bar per class, scaled to the largest; built-ins have names but no counts. */
export function classBars(d) {
  if (!d.classes?.length) return h('p', { class: 'muted' }, 'Unlabelled: the archive had no class folders, so conditional models (cgan) cannot use it.');
  const max = Math.max(1, ...d.classes.map((c) => c.count ?? 0));
  return h(
    'ul',
    { class: 'class-bars' },
    d.classes.map((c) =>
      h(
        'li',
        { 'data-class': c.name },
        h('span', { class: 'class-name', title: c.name }, c.name),
        h('span', { class: 'class-bar' }, c.count === null ? null : h('span', { style: `width: ${((100 * c.count) / max).toFixed(1)}%` })),
        h('span', { class: 'class-count' }, c.count === null ? '' : fmtInt(c.count)),
      ),
    ),
  );
}

/** The files the worker did not use, each with its reason, folded away: "3 files skipped". */
export function skippedList(d, { open = false } = {}) {
  const total = d.skippedCount ?? d.skipped?.length ?? 0;
  if (!total) return null;
  const listed = d.skipped ?? [];
  return h(
    'details',
    { class: 'skipped', open },
    h('summary', {}, `${fmtInt(total)} ${total === 1 ? 'file' : 'files'} skipped`),
    h(
      'ul',
      {},
      listed.map((s) => h('li', {}, h('span', { class: 'mono' }, s.file), ' ', h('span', { class: 'muted' }, s.reason))),
      total > listed.length ? h('li', { class: 'muted' }, `… and ${fmtInt(total - listed.length)} more`) : null,
    ),
  );
}
