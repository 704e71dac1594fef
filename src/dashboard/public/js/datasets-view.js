// The Datasets page: the upload form, then every dataset (built-ins first) with the processing ones polled each second.
import { datasetsApi } from './api.js';
import { h, replace } from './dom.js';
import { fmtBytes, fmtFullTime, fmtInt, fmtTime } from './format.js';
import { datasetStatus, fmtShape, labelsText, skippedList } from './dataset-widgets.js';
import { uploadPanel } from './upload-panel.js';

/** How often a processing dataset is read again (GET /datasets/{id}). */
const POLL_MS = 1000;

export function mountDatasets(view) {
  let datasets = [];
  let timer;
  let stopped = false;

  const panel = uploadPanel({
    onUploaded: (d) => {
      datasets = [...datasets.filter((x) => x.builtin), d, ...datasets.filter((x) => !x.builtin)];
      render();
      schedule();
    },
  });
  const tbody = h('tbody');
  const error = h('p', { class: 'alert', hidden: true, role: 'alert' });
  const message = h('p', { class: 'muted empty', hidden: true }, 'No uploads yet: drop an archive above.');

  replace(
    view,
    h('div', { class: 'page-head' }, h('h1', {}, 'Datasets')),
    panel.el,
    error,
    h(
      'div',
      { class: 'card table-card datasets-card' },
      h(
        'table',
        { class: 'datasets' },
        h('thead', {}, h('tr', {}, ['Name', 'Status', 'Images', 'Shape', 'Classes', 'Size', 'Created'].map((c) => h('th', {}, c)))),
        tbody,
      ),
      message,
    ),
  );

  function render() {
    // A re-render (each poll) keeps the skipped-file lists a reader opened.
    const open = new Set([...tbody.querySelectorAll('tr:has(details[open])')].map((tr) => tr.dataset.datasetId));
    replace(tbody, datasets.map((d) => datasetRow(d, open.has(d.id))));
    message.hidden = datasets.some((d) => !d.builtin);
  }

  async function load() {
    try {
      ({ datasets } = await datasetsApi.list());
      if (stopped) return;
      error.hidden = true;
      render();
      schedule();
    } catch (err) {
      if (stopped) return;
      error.hidden = false;
      error.textContent = `Could not load datasets: ${err.message}`;
    }
  }

  /** While any dataset is processing, each such one is read again every POLL_MS. */
  function schedule() {
    clearTimeout(timer);
    if (!stopped && datasets.some((d) => d.status === 'processing')) timer = setTimeout(poll, POLL_MS);
  }

  async function poll() {
    const processing = datasets.filter((d) => d.status === 'processing');
    const fresh = await Promise.all(processing.map((d) => datasetsApi.get(d.id).catch((err) => (err.status === 404 ? null : d))));
    if (stopped) return;
    const byId = new Map(processing.map((d, i) => [d.id, fresh[i]]));
    datasets = datasets.flatMap((d) => (byId.has(d.id) ? (byId.get(d.id) ? [byId.get(d.id)] : []) : [d]));
    for (const d of fresh) if (d) panel.show(d);
    render();
    schedule();
  }

  load();
  return () => {
    stopped = true;
    clearTimeout(timer);
    panel.destroy();
  };
}

function datasetRow(d, skippedOpen) {
  const href = d.builtin ? null : `#/datasets/${d.id}`;
  return h(
    'tr',
    { 'data-dataset-id': d.id, 'data-status': d.status, class: d.builtin ? 'builtin' : null },
    h(
      'td',
      { class: 'name' },
      href ? h('a', { href }, d.name) : h('span', {}, d.name),
      d.builtin ? h('span', { class: 'tag' }, 'built-in') : null,
      h('div', { class: 'sub mono' }, d.builtin ? `dataset "${d.id}"` : d.id.slice(0, 8)),
    ),
    h('td', { class: 'status-cell' }, datasetStatus(d), skippedList(d, { open: skippedOpen })),
    h('td', { class: 'num' }, d.status === 'ready' && !d.builtin ? fmtInt(d.count) : '–'),
    h('td', { class: 'num' }, fmtShape(d.shape)),
    h('td', { class: 'classes', title: d.classes.map((c) => c.name).join(', ') }, labelsText(d)),
    h('td', { class: 'num', title: d.uploadBytes ? `the archive: ${fmtBytes(d.uploadBytes)}` : null }, bytesText(d)),
    h('td', { class: 'time', title: fmtFullTime(d.createdAt) }, d.builtin ? '–' : fmtTime(d.createdAt)),
  );
}

/** The packed dataset's size once ready; until then the archive's. */
function bytesText(d) {
  if (d.bytes) return fmtBytes(d.bytes);
  return d.uploadBytes ? h('span', { class: 'muted' }, `${fmtBytes(d.uploadBytes)} archive`) : '–';
}
