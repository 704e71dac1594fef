// The upload form of the Datasets page: an archive picked or dropped, checked in the page, sent with progress.
import { datasetsApi, problemText } from './api.js';
import { h, replace } from './dom.js';
import { fmtBytes, fmtInt } from './format.js';
import { datasetStatus } from './dataset-widgets.js';

/** The archives POST /datasets takes, by file name; anything else is refused before a byte is sent. */
const ARCHIVES = [
  { re: /\.zip$/i, type: 'application/zip' },
  { re: /\.tar$/i, type: 'application/x-tar' },
  { re: /\.(tar\.gz|tgz)$/i, type: 'application/gzip' },
];
const ACCEPT = '.zip,.tar,.tar.gz,.tgz,application/zip,application/x-tar,application/gzip';

/** The archive's content type, or null when the file is not one. */
export const archiveType = (fileName) => ARCHIVES.find((a) => a.re.test(fileName))?.type ?? null;

/**
 * Returns `{ el, show(dataset), destroy() }`. `onUploaded(dataset)` gets the API's answer (status processing); the page
 * then calls `show()` with each fresh state of it, which this panel reports until it is ready or failed.
 */
export function uploadPanel({ onUploaded }) {
  let file = null;
  let autoName = '';
  let current = null;

  const fileInput = h('input', { type: 'file', id: 'dataset-file', name: 'archive', accept: ACCEPT, 'aria-describedby': 'dataset-file-hint dataset-file-error' });
  const chosen = h('p', { class: 'chosen', id: 'dataset-file-hint' }, 'A .zip, .tar or .tar.gz of PNG, JPEG or WebP images.');
  const fileError = h('p', { class: 'field-error', id: 'dataset-file-error', role: 'alert' });
  const name = h('input', { type: 'text', id: 'dataset-name', name: 'name', maxlength: 200, required: true, autocomplete: 'off' });
  const size = h('select', { id: 'dataset-size', name: 'size' }, [28, 32, 64].map((s) => h('option', { value: s }, `${s} × ${s}`)));
  const channels = h('select', { id: 'dataset-channels', name: 'channels' }, h('option', { value: 1 }, 'grayscale (1)'), h('option', { value: 3 }, 'RGB (3)'));
  const button = h('button', { type: 'submit', class: 'button primary' }, 'Upload');
  const error = h('p', { class: 'alert', hidden: true, role: 'alert' });
  const status = h('div', { class: 'upload-status', id: 'upload-status', 'aria-live': 'polite' });

  const zone = h(
    'div',
    { class: 'dropzone', ondragenter: over, ondragover: over, ondragleave: () => zone.classList.remove('over'), ondrop: dropped },
    h('p', { class: 'dropzone-title' }, 'Drop an archive here'),
    h('p', { class: 'muted' }, 'or ', h('label', { for: 'dataset-file', class: 'link-label' }, 'choose a file'), ':'),
    fileInput,
    chosen,
    fileError,
  );
  const field = (id, label, input, hint) =>
    h('div', { class: 'field' }, h('label', { for: id }, label), input, hint ? h('p', { class: 'hint' }, hint) : null);
  const el = h(
    'form',
    { class: 'card upload', novalidate: true, onsubmit: (e) => (e.preventDefault(), send()) },
    h('h2', {}, 'Upload a dataset'),
    h(
      'p',
      { class: 'hint' },
      'One folder per class labels the images (',
      h('code', {}, 'cats/1.png'),
      ', ',
      h('code', {}, 'dogs/2.jpg'),
      '); without folders the dataset is unlabelled. Each image is converted and centre-cropped to the size chosen.',
    ),
    h(
      'div',
      { class: 'upload-grid' },
      zone,
      h(
        'div',
        { class: 'upload-fields' },
        field('dataset-name', 'Name', name, 'up to 200 characters'),
        field('dataset-size', 'Size', size),
        field('dataset-channels', 'Channels', channels),
        h('div', { class: 'form-actions' }, button),
      ),
    ),
    error,
    status,
  );
  fileInput.addEventListener('change', () => choose(fileInput.files?.[0] ?? null));

  // A file dropped beside the zone would make the browser leave the page to open it.
  const guard = (e) => e.dataTransfer?.types?.includes('Files') && e.preventDefault();
  window.addEventListener('dragover', guard);
  window.addEventListener('drop', guard);

  function over(event) {
    event.preventDefault();
    if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy';
    zone.classList.add('over');
  }

  function dropped(event) {
    event.preventDefault();
    zone.classList.remove('over');
    fileInput.value = '';
    choose(event.dataTransfer?.files?.[0] ?? null);
  }

  function choose(candidate) {
    replace(fileError);
    file = null;
    if (!candidate) return;
    if (!archiveType(candidate.name)) {
      replace(fileError, `“${candidate.name}” is not an archive: choose a .zip, .tar or .tar.gz of images.`);
      replace(chosen, 'No archive chosen.');
      fileInput.value = '';
      return;
    }
    if (candidate.size === 0) {
      replace(fileError, `“${candidate.name}” is empty.`);
      fileInput.value = '';
      return;
    }
    file = candidate;
    replace(chosen, h('strong', {}, candidate.name), ` · ${fmtBytes(candidate.size)}`);
    if (name.value === '' || name.value === autoName) {
      autoName = candidate.name.replace(/\.(zip|tar|tar\.gz|tgz)$/i, '').slice(0, 200);
      name.value = autoName;
    }
  }

  async function send() {
    error.hidden = true;
    if (!file) {
      replace(fileError, 'Choose or drop an archive first.');
      fileInput.focus();
      return;
    }
    if (!name.value.trim()) {
      error.hidden = false;
      error.textContent = 'Give the dataset a name.';
      name.focus();
      return;
    }
    const sending = file;
    button.disabled = true;
    current = null;
    progress(0, sending.size, sending.name);
    try {
      const dataset = await datasetsApi.upload(sending, archiveType(sending.name), { name: name.value.trim(), size: size.value, channels: channels.value }, (sent, total) =>
        progress(sent, total, sending.name),
      );
      current = dataset.id;
      file = null;
      fileInput.value = '';
      name.value = autoName = '';
      replace(chosen, 'A .zip, .tar or .tar.gz of PNG, JPEG or WebP images.');
      show(dataset);
      onUploaded(dataset);
    } catch (err) {
      replace(status);
      error.hidden = false;
      error.textContent = `Upload refused: ${problemText(err)}`;
    } finally {
      button.disabled = false;
    }
  }

  function progress(sent, total, fileName) {
    const fraction = total > 0 ? Math.min(1, sent / total) : 0;
    const percent = Math.floor(fraction * 100);
    replace(
      status,
      h('p', {}, `Uploading ${fileName}`),
      h(
        'div',
        { class: 'progress status-running' },
        h(
          'div',
          { class: 'progress-track', role: 'progressbar', 'aria-label': 'Upload', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': percent },
          h('div', { class: 'progress-fill', style: `width: ${(fraction * 100).toFixed(1)}%` }),
        ),
        h('span', { class: 'progress-label', 'data-sent': sent, 'data-total': total }, `${percent}%`, h('span', { class: 'muted' }, ` · ${fmtBytes(sent)} of ${fmtBytes(total)}`)),
      ),
    );
  }

  /** The uploaded dataset's latest state, as the page polls it. */
  function show(d) {
    if (d.id !== current) return;
    const link = h('a', { href: `#/datasets/${d.id}` }, d.name);
    const line =
      d.status === 'processing'
        ? h('p', {}, 'Uploaded “', link, '”; a worker is unpacking it…')
        : d.status === 'ready'
          ? h('p', {}, '“', link, `” is ready: ${fmtInt(d.count)} images, ${d.classes.length ? `${d.classes.length} classes` : 'unlabelled'}.`)
          : h('p', {}, '“', link, '” failed.');
    replace(status, h('div', { class: 'upload-result', 'data-dataset-id': d.id, 'data-status': d.status }, line, datasetStatus(d)));
  }

  function destroy() {
    window.removeEventListener('dragover', guard);
    window.removeEventListener('drop', guard);
  }

  return { el, show, destroy };
}
