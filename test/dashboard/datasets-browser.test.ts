// The Datasets page in a real browser (Debian chromium via playwright-core), logged in with a key, against the real API,
// a real worker process and Redis: uploads by file picker and by drop with progress, live processing to ready or
// failed, the preview and class counts, refused files and API errors, the new-job form's dataset menu, delete (409
// while a job uses the dataset).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { makeTar, makeZip, type ZipEntry } from '../helpers/archives.js';
import { stopProcess, waitUntil, type Proc } from '../helpers/processes.js';
import { ADMIN_TOKEN, bearer, body, createKey, startTestApp, startWorker, type TestApp } from '../api/test-app.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const skip = !existsSync(CHROMIUM) && `no browser at ${CHROMIUM}`;
/** Small enough that one archive below passes it: the 413 the page shows. */
const MAX_BYTES = 400_000;

let t: TestApp;
let api: string;
let worker: Proc;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let member: { id: string; token: string };
const pageErrors: string[] = [];
/** Filled in by the tests in order: the labelled upload (picked) and the unlabelled one (dropped). */
const ids: { labelled?: string; unlabelled?: string } = {};

/** A w x h PNG of random pixels around a colour: incompressible, so the archive has some bytes to send. */
function noisePng(w: number, h: number, rgb: [number, number, number]): Promise<Buffer> {
  const raw = Buffer.alloc(w * h * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = Math.max(0, Math.min(255, rgb[i % 3]! + Math.floor(Math.random() * 80) - 40));
  return sharp(raw, { raw: { width: w, height: h, channels: 3 } }).png().toBuffer();
}

before(async () => {
  if (skip) return;
  t = await startTestApp({ GANFORGE_ADMIN_TOKEN: ADMIN_TOKEN, GANFORGE_RATE_LIMIT_MAX: '100000', GANFORGE_DATASET_MAX_BYTES: String(MAX_BYTES) });
  api = await t.listen();
  member = await createKey(t, { project: 'pics', role: 'member', name: 'browser' });
  worker = await startWorker(t);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
  context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  page = await context.newPage();
  page.setDefaultTimeout(60_000);
  // tsx names the arrow functions inside page.evaluate with a helper the page does not have.
  await page.addInitScript('window.__name = (f) => f');
  page.on('pageerror', (err) => pageErrors.push(err.message));
  // The browser logs every 4xx answer; the session check before logging in, the refused upload, job and delete are
  // such answers on purpose.
  page.on('console', (msg) => msg.type() === 'error' && !/status of (401|409|413|422)/.test(msg.text()) && pageErrors.push(msg.text()));
  page.on('dialog', (dialog) => void dialog.accept());

  await page.goto(`${api}/`);
  await page.fill('#login-token', member.token);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Jobs' }).waitFor();
});

after(async () => {
  await browser?.close();
  if (worker) await stopProcess(worker);
  await t?.close();
});

const uploads = async () => body(await t.app.inject({ url: '/datasets', headers: bearer(member.token) })).datasets.filter((d: any) => !d.builtin);

/** Collects every state of the upload's progress label, as the page shows it. */
async function recordProgress(): Promise<void> {
  await page.evaluate(() => {
    const seen: { sent: number; total: number; text: string }[] = [];
    (window as any).__progress = seen;
    new MutationObserver(() => {
      const label = document.querySelector<HTMLElement>('#upload-status .progress-label');
      if (label) seen.push({ sent: Number(label.dataset.sent), total: Number(label.dataset.total), text: label.textContent ?? '' });
    }).observe(document.getElementById('upload-status')!, { childList: true, subtree: true });
  });
}
const progressSeen = () => page.evaluate(() => (window as any).__progress as { sent: number; total: number; text: string }[]);

/** Drops a file on the drop zone as a browser does: a drop event whose DataTransfer holds it. */
async function drop(name: string, type: string, bytes: Buffer): Promise<void> {
  await page.evaluate(
    ({ name, type, b64 }) => {
      const data = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([data], name, { type }));
      const zone = document.querySelector('.dropzone')!;
      zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
      zone.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    },
    { name, type, b64: bytes.toString('base64') },
  );
}

test('upload with the file picker: progress, processing, ready; classes, skipped files and the preview', { skip }, async () => {
  await page.getByRole('link', { name: 'Datasets' }).click();
  await page.getByRole('heading', { name: 'Datasets' }).waitFor();
  // The built-ins are listed and marked, with their shape.
  const mnist = page.locator('tr[data-dataset-id="mnist"]');
  await mnist.waitFor();
  assert.match((await mnist.textContent()) ?? '', /built-in.*28 × 28 × 1.*10 classes/);
  assert.equal(await page.locator('tr[data-dataset-id="fashion-mnist"] .tag').textContent(), 'built-in');

  const entries: ZipEntry[] = [];
  for (let i = 0; i < 5; i++) entries.push({ name: `reds/${i}.png`, data: await noisePng(64, 64, [200, 40, 40]) });
  for (let i = 0; i < 7; i++) entries.push({ name: `blues/${i}.png`, data: await noisePng(64, 64, [40, 40, 200]) });
  entries.push({ name: 'blues/notes.txt', data: Buffer.from('not an image') });
  const zip = makeZip(entries);
  assert.ok(zip.length > 100_000 && zip.length < MAX_BYTES, `${zip.length} bytes`);

  // Slow uploads down so the progress has steps to show.
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 64 * 1024 });

  await recordProgress();
  await page.setInputFiles('#dataset-file', { name: 'colours.zip', mimeType: 'application/zip', buffer: zip });
  assert.equal(await page.inputValue('#dataset-name'), 'colours', 'the name comes from the file');
  assert.match((await page.textContent('.chosen')) ?? '', /colours\.zip/);
  await page.selectOption('#dataset-size', '32');
  await page.selectOption('#dataset-channels', '3');
  await page.getByRole('button', { name: 'Upload' }).click();

  const result = page.locator('.upload-result');
  await result.waitFor();
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  const id = (await result.getAttribute('data-dataset-id'))!;
  ids.labelled = id;
  const seen = await progressSeen();
  assert.ok(seen.some((p) => p.sent > 0 && p.sent < p.total), `a step between 0 and the whole: ${JSON.stringify(seen)}`);
  const last = seen.at(-1)!;
  assert.equal(last.sent, last.total);
  assert.match(last.text, /^100% · [\d.]+ KB of [\d.]+ KB$/);

  // Processing, polled until ready; the row follows.
  await page.locator('.upload-result[data-status=ready]').waitFor({ timeout: 120_000 });
  assert.match((await result.textContent()) ?? '', /“colours” is ready: 12 images, 2 classes/);
  const row = page.locator(`tr[data-dataset-id="${id}"]`);
  await row.locator('.badge[data-status=ready]').waitFor();
  const cells = await row.locator('td').allTextContents();
  assert.equal(cells[2], '12');
  assert.equal(cells[3], '32 × 32 × 3');
  assert.equal(cells[4], '2 classes');
  assert.match(cells[5]!, /KB$/);
  // The skipped file, folded away with its reason.
  const skipped = row.locator('details.skipped');
  assert.equal(await skipped.locator('summary').textContent(), '1 file skipped');
  assert.equal(await skipped.locator('li').isVisible(), false);
  await skipped.locator('summary').click();
  assert.match((await skipped.locator('li').textContent()) ?? '', /notes\.txt/);

  // Its page: the preview grid, a bar per class with its count, the skipped file with its reason.
  await row.getByRole('link', { name: 'colours' }).click();
  await page.waitForURL(new RegExp(`#/datasets/${id}$`));
  await page.waitForFunction(() => ((document.querySelector('img.dataset-preview') as HTMLImageElement | null)?.naturalWidth ?? 0) > 0);
  const classes = await page.locator('.class-bars li').evaluateAll((lis) => lis.map((li) => [(li as HTMLElement).dataset.class, li.querySelector('.class-count')!.textContent]));
  assert.deepEqual(classes, [['blues', '7'], ['reds', '5']]);
  const widths = await page.locator('.class-bar > span').evaluateAll((spans) => spans.map((s) => parseFloat((s as HTMLElement).style.width)));
  assert.deepEqual(widths, [100, Number(((100 * 5) / 7).toFixed(1))]);
  assert.match((await page.textContent('.skipped-card')) ?? '', /notes\.txt/);
  assert.match((await page.textContent('.meta')) ?? '', /shape 32 × 32 × 3/);
  await page.screenshot({ path: path.join(ROOT, 'test-results', 'dashboard-dataset.png'), fullPage: true });
});

test('a processing dataset shows the images done so far when the API reports them, the bare status when not', { skip }, async () => {
  // The page's own module, given records as GET /datasets/{id} answers them while a worker unpacks an archive.
  const shown = await page.evaluate(async () => {
    const base = document.querySelector<HTMLScriptElement>('script[type=module]')!.src.replace(/main\.js$/, '');
    const { datasetStatus } = await import(`${base}dataset-widgets.js`);
    const record = { id: 'x', name: 'x', status: 'processing', shape: [28, 28, 1], classes: [] };
    const render = (d: object) => {
      const el = datasetStatus(d) as HTMLElement;
      const bar = el.querySelector('[role=progressbar]');
      return { text: el.textContent, now: bar?.getAttribute('aria-valuenow') ?? null, max: bar?.getAttribute('aria-valuemax') ?? null };
    };
    return [render({ ...record, progress: { done: 1200, total: 2000 } }), render(record)];
  });
  assert.deepEqual(shown, [
    { text: 'processing1,200 / 2,000 files', now: '1200', max: '2000' },
    { text: 'processing', now: null, max: null },
  ]);
});

test('upload by drop: refused file types in the page, then an unlabelled tar.gz; API errors and failures shown', { skip }, async () => {
  await page.goto(`${api}/#/datasets`);
  await page.locator('.dropzone').waitFor();
  const count = (await uploads()).length;

  // Not an archive: refused before a byte is sent, by drop and by the picker alike.
  const png = await noisePng(8, 8, [0, 0, 0]);
  await drop('photo.png', 'image/png', png);
  await page.locator('#dataset-file-error').filter({ hasText: '“photo.png” is not an archive: choose a .zip, .tar or .tar.gz of images.' }).waitFor();
  await page.setInputFiles('#dataset-file', { name: 'cat.jpg', mimeType: 'image/jpeg', buffer: png });
  await page.locator('#dataset-file-error').filter({ hasText: '“cat.jpg” is not an archive' }).waitFor();
  await page.getByRole('button', { name: 'Upload' }).click();
  await page.locator('#dataset-file-error').filter({ hasText: 'Choose or drop an archive first.' }).waitFor();
  assert.equal((await uploads()).length, count, 'nothing was uploaded');

  // Too large for GANFORGE_DATASET_MAX_BYTES: the API's 413 as the page shows it.
  const big: ZipEntry[] = [];
  for (let i = 0; i < 40; i++) big.push({ name: `x/${i}.png`, data: await noisePng(64, 64, [128, 128, 128]) });
  await drop('big.zip', 'application/zip', makeZip(big));
  await page.getByRole('button', { name: 'Upload' }).click();
  await page.locator('.upload .alert').filter({ hasText: /^Upload refused: Payload Too Large: .+/ }).waitFor();
  assert.equal((await uploads()).length, count);

  // An archive that is not what its name says: uploaded, then failed by the worker, with the reason.
  await drop('broken.zip', 'application/zip', Buffer.from('this is not a zip file at all'));
  await page.fill('#dataset-name', 'broken');
  await page.getByRole('button', { name: 'Upload' }).click();
  await page.locator('.upload-result[data-status=failed]').waitFor({ timeout: 120_000 });
  const failedId = (await page.locator('.upload-result').getAttribute('data-dataset-id'))!;
  const failedRow = page.locator(`tr[data-dataset-id="${failedId}"]`);
  await failedRow.locator('.badge[data-status=failed]').waitFor();
  const reason = body(await t.app.inject({ url: `/datasets/${failedId}`, headers: bearer(member.token) })).error;
  assert.ok(reason);
  assert.equal(await failedRow.locator('.dataset-error').textContent(), reason);

  // Unlabelled: images at the top of a tar.gz.
  const tgz = await makeTar(await Promise.all([0, 1, 2, 3].map(async (i) => ({ name: `img-${i}.png`, data: await noisePng(40, 30, [90, 160, 90]) }))), true);
  await drop('plain.tar.gz', 'application/gzip', tgz);
  assert.equal(await page.inputValue('#dataset-name'), 'plain');
  await page.getByRole('button', { name: 'Upload' }).click();
  await page.locator('.upload-result[data-status=ready]').waitFor({ timeout: 120_000 });
  ids.unlabelled = (await page.locator('.upload-result').getAttribute('data-dataset-id'))!;
  const row = page.locator(`tr[data-dataset-id="${ids.unlabelled}"]`);
  assert.deepEqual((await row.locator('td').allTextContents()).slice(2, 5), ['4', '28 × 28 × 1', 'unlabelled']);

  await page.screenshot({ path: path.join(ROOT, 'test-results', 'dashboard-datasets.png'), fullPage: true });
});

test('the new-job form picks uploads: 422 for an unlabelled one with cgan, a job on the labelled one', { skip }, async () => {
  assert.ok(ids.labelled && ids.unlabelled, 'the uploads above');
  await page.goto(`${api}/#/new`);
  const options = page.locator('#field-dataset option');
  await page.locator(`#field-dataset option[value="${ids.labelled}"]`).waitFor({ state: 'attached' });
  const values = await options.evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
  // Built-ins, then the ready uploads newest first; the failed one is not offered.
  assert.deepEqual(values, ['mnist', 'fashion-mnist', ids.unlabelled, ids.labelled]);
  assert.equal(await page.locator(`#field-dataset option[value="${ids.labelled}"]`).textContent(), 'colours · 32 × 32 × 3 · 2 classes');
  assert.equal(await page.locator(`#field-dataset option[value="${ids.unlabelled}"]`).textContent(), 'plain · 28 × 28 × 1 · unlabelled');

  await page.fill('#field-name', 'on plain');
  await page.selectOption('#field-model', 'cgan');
  await page.selectOption('#field-dataset', ids.unlabelled!);
  assert.match((await page.textContent('#hint-dataset')) ?? '', /28 × 28 × 1 · unlabelled/);
  await page.fill('#field-iterations', '2');
  await page.getByRole('button', { name: 'Start training' }).click();
  await page.locator('#error-dataset').filter({ hasText: /.+/ }).waitFor();
  assert.equal(await page.getAttribute('#field-dataset', 'aria-invalid'), 'true');
  assert.match(page.url(), /#\/new$/);

  await page.selectOption('#field-dataset', ids.labelled!);
  await page.fill('#field-name', 'on colours');
  await page.fill('#field-batchSize', '4');
  await page.getByRole('button', { name: 'Start training' }).click();
  await page.waitForURL(/#\/jobs\/[0-9a-f-]{36}$/);
  const jobId = /#\/jobs\/([0-9a-f-]{36})$/.exec(page.url())![1]!;
  const job = await t.app.infra.jobs.get(jobId);
  assert.deepEqual([job?.spec.dataset, job?.spec.model, job?.spec.iterations, job?.project], [ids.labelled, 'cgan', 2, 'pics']);
  // The job's page links to the dataset's page.
  await page.locator('[data-dataset-link]').click();
  await page.waitForURL(new RegExp(`#/datasets/${ids.labelled}$`));

  // The dataset page's "Train a job on it" opens the form with the dataset chosen.
  await page.goto(`${api}/#/datasets/${ids.unlabelled}`);
  await page.getByRole('link', { name: 'Train a job on it' }).click();
  await page.waitForURL(/#\/new\?dataset=/);
  await page.waitForFunction((id) => (document.getElementById('field-dataset') as HTMLSelectElement).value === id, ids.unlabelled);
});

test('delete: refused with the API reason while a job uses the dataset, then gone', { skip }, async () => {
  // A long job on the labelled dataset holds it while queued or running.
  const created = await t.app.inject({
    method: 'POST',
    url: '/jobs',
    headers: bearer(member.token),
    payload: { dataset: ids.labelled, iterations: 100_000, batchSize: 4 },
  });
  assert.equal(created.statusCode, 201, created.body);
  const holder = body(created).id;
  await page.goto(`${api}/#/datasets/${ids.labelled}`);
  await page.locator('[data-action=delete]').click();
  await page.getByRole('alert').filter({ hasText: /^Not deleted: dataset .+ is used by \d+ queued or running job/ }).waitFor();
  assert.equal((await t.app.inject({ url: `/datasets/${ids.labelled}`, headers: bearer(member.token) })).statusCode, 200);

  // The unlabelled one nobody uses goes at once.
  await page.goto(`${api}/#/datasets/${ids.unlabelled}`);
  await page.getByRole('heading', { name: /plain/ }).waitFor();
  await page.locator('[data-action=delete]').click();
  await page.waitForURL(/#\/datasets$/);
  await page.locator('tr[data-dataset-id="mnist"]').waitFor();
  assert.equal(await page.locator(`tr[data-dataset-id="${ids.unlabelled}"]`).count(), 0);
  assert.equal((await t.app.inject({ url: `/datasets/${ids.unlabelled}`, headers: bearer(member.token) })).statusCode, 404);

  await t.app.inject({ method: 'POST', url: `/jobs/${holder}/cancel`, headers: bearer(member.token) });
  await waitUntil(async () => {
    const { jobs } = body(await t.app.inject({ url: '/jobs?limit=100', headers: bearer(member.token) }));
    return jobs.every((j: any) => ['completed', 'failed', 'cancelled'].includes(j.status));
  }, 120_000, 'the jobs to end');
  await page.goto(`${api}/#/datasets/${ids.labelled}`);
  await page.getByRole('heading', { name: /colours/ }).waitFor();
  await page.locator('[data-action=delete]').click();
  await page.waitForURL(/#\/datasets$/);
  await page.locator('tr[data-dataset-id="mnist"]').waitFor();
  assert.equal(await page.locator(`tr[data-dataset-id="${ids.labelled}"]`).count(), 0);
});

test('no script errors on the pages', { skip }, () => {
  assert.deepEqual(pageErrors, []);
});
