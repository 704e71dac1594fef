// One uploaded dataset: its facts, the preview grid, classes with bars, skipped files, and Delete; polled while processing.
import { ApiError, datasetsApi, problemText } from './api.js';
import { h, replace } from './dom.js';
import { fmtBytes, fmtFullTime, fmtInt, fmtTime } from './format.js';
import { classBars, datasetStatus, fmtShape, labelsText, skippedList } from './dataset-widgets.js';
import { statusBadge } from './widgets.js';

const POLL_MS = 1000;

export function mountDataset(view, id) {
  let timer;
  let stopped = false;
  let dataset = null;

  const title = h('h1', {}, 'Dataset');
  const meta = h('div', { class: 'meta' });
  const state = h('div', { 'aria-live': 'polite' });
  const alert = h('p', { class: 'alert', hidden: true, role: 'alert' });
  const body = h('div');
  const remove = h('button', { type: 'button', class: 'button danger', 'data-action': 'delete', onclick: confirmDelete }, 'Delete');
  const train = h('a', { class: 'button', hidden: true }, 'Train a job on it');

  replace(
    view,
    h('a', { class: 'back', href: '#/datasets' }, '← All datasets'),
    h('div', { class: 'page-head' }, title, h('div', { class: 'actions' }, train, remove)),
    meta,
    alert,
    state,
    body,
  );

  async function load() {
    clearTimeout(timer);
    try {
      const d = await datasetsApi.get(id);
      if (stopped) return;
      const changed = d.status !== dataset?.status;
      dataset = d;
      render(changed);
      if (d.status === 'processing') timer = setTimeout(load, POLL_MS);
    } catch (err) {
      if (stopped) return;
      if (err instanceof ApiError && err.status === 404) {
        replace(view, h('a', { class: 'back', href: '#/datasets' }, '← All datasets'), h('p', { class: 'notice' }, 'No such dataset in this project.'));
        return;
      }
      showAlert(`Could not load the dataset: ${problemText(err)}`);
      timer = setTimeout(load, POLL_MS * 5);
    }
  }

  /** The header and state each poll; the preview and classes only when the status changes (the image loads once). */
  function render(statusChanged) {
    const d = dataset;
    document.title = `${d.name} · ganforge`;
    replace(title, d.name, statusBadge(d.status));
    const item = (label, value, extra = {}) => h('span', extra, h('span', { class: 'muted' }, `${label} `), value);
    replace(
      meta,
      item('id', h('span', { class: 'mono' }, d.id)),
      item('shape', fmtShape(d.shape)),
      item('images', fmtInt(d.count)),
      item('classes', labelsText(d)),
      d.bytes ? item('packed', fmtBytes(d.bytes)) : null,
      d.uploadBytes ? item('archive', fmtBytes(d.uploadBytes)) : null,
      item('created', fmtTime(d.createdAt), { title: fmtFullTime(d.createdAt) }),
    );
    replace(
      state,
      d.status === 'processing' ? h('div', { class: 'card processing' }, h('p', {}, 'A worker is unpacking the archive…'), datasetStatus(d)) : null,
      d.status === 'failed' ? h('div', { class: 'alert dataset-failed' }, h('strong', {}, 'Processing failed: '), d.error ?? 'no reason given') : null,
    );
    train.hidden = d.status !== 'ready';
    train.setAttribute('href', `#/new?dataset=${encodeURIComponent(d.id)}`);
    if (!statusChanged) return;
    const skipped = skippedList(d, { open: true });
    replace(
      body,
      d.status === 'ready'
        ? h(
            'div',
            { class: 'grid two-one' },
            h(
              'div',
              { class: 'card' },
              h('h2', {}, 'Preview'),
              h(
                'div',
                { class: 'preview-frame' },
                h('img', { class: 'dataset-preview', src: datasetsApi.previewUrl(d.id), alt: `Images from ${d.name}${d.classes.length ? ', one row per class' : ''}` }),
              ),
            ),
            h('div', { class: 'card' }, h('h2', {}, 'Classes'), classBars(d)),
          )
        : null,
      skipped ? h('div', { class: 'card skipped-card' }, h('h2', {}, 'Skipped files'), skipped) : null,
    );
  }

  async function confirmDelete() {
    const name = dataset?.name ?? id;
    if (!confirm(`Delete the dataset “${name}” and its files? Jobs that trained on it keep their samples and checkpoints.`)) return;
    alert.hidden = true;
    remove.disabled = true;
    try {
      await datasetsApi.remove(id);
      location.hash = '#/datasets';
    } catch (err) {
      remove.disabled = false;
      showAlert(err instanceof ApiError && err.status === 409 ? `Not deleted: ${err.detail || 'a queued or running job uses it'}.` : `Not deleted: ${problemText(err)}`);
    }
  }

  function showAlert(text) {
    alert.hidden = false;
    alert.textContent = text;
  }

  load();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
