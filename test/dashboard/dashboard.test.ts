// The dashboard in a real browser (Debian chromium via playwright-core) against real API and worker processes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { cleanup, connect, uniquePrefix } from '../helpers/redis.js';
import { startProcess, stopProcess, waitUntil, type Proc } from '../helpers/processes.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SHOTS = path.join(ROOT, 'test-results');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const prefix = uniquePrefix('dashboard');
const redis = connect();
const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'gf-dashboard-'));
const env = { GANFORGE_PREFIX: prefix, GANFORGE_DATA_DIR: dataDir, GANFORGE_BACKEND: 'wasm', HOST: '127.0.0.1', PORT: '0' };
let api: Proc;
let worker: Proc;
let apiUrl: string;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

before(async () => {
  api = startProcess('src/api/server.ts', env);
  worker = startProcess('src/worker/main.ts', env);
  apiUrl = (await api.waitFor(/http:\/\/127\.0\.0\.1:\d+/)).trim();
  await worker.waitFor(/backend wasm/);
  await fs.mkdir(SHOTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  page = await browser.newPage({ viewport: { width: 1360, height: 1000 } });
  page.setDefaultTimeout(30_000);
  page.on('pageerror', (err) => pageErrors.push(err.message));
  // The browser logs every 4xx answer; the form's rejected submission is one on purpose.
  page.on('console', (msg) => msg.type() === 'error' && !/status of 400/.test(msg.text()) && pageErrors.push(msg.text()));
  // Cancel and delete ask for confirmation.
  page.on('dialog', (dialog) => void dialog.accept());
});

after(async () => {
  await browser?.close();
  await Promise.all([stopProcess(api), stopProcess(worker)]);
  await cleanup(redis, prefix);
  redis.disconnect();
  await fs.rm(dataDir, { recursive: true, force: true });
});

const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `dashboard-${name}.png`), fullPage: true });
const points = async () => Number(await page.getAttribute('.chart', 'data-points'));

async function jobIdFromUrl(): Promise<string> {
  await page.waitForURL(/#\/jobs\/[0-9a-f-]{36}$/);
  return /#\/jobs\/([0-9a-f-]{36})$/.exec(page.url())![1]!;
}

test('the page and its assets: relative URLs, fingerprinted and cached for good', async () => {
  const res = await fetch(`${apiUrl}/`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type')!, /^text\/html/);
  assert.equal(res.headers.get('cache-control'), 'no-cache');
  const html = await res.text();
  const urls = [...html.matchAll(/(?:href|src)="([^"#]+)"/g)].map((m) => m[1]!);
  for (const url of urls) assert.doesNotMatch(url, /^(\/|[a-z]+:)/, `${url} is relative`);
  const assets = urls.filter((u) => u.startsWith('ui/'));
  assert.ok(assets.length >= 4, html);
  for (const url of assets) {
    const asset = await fetch(new URL(url, `${apiUrl}/`));
    assert.equal(asset.status, 200, url);
    assert.match(asset.headers.get('cache-control')!, /max-age=31536000/, url);
  }
  const uplot = await fetch(new URL(urls.find((u) => u.endsWith('.css'))!.replace(/css\/.*$/, 'vendor/uplot/uPlot.esm.js'), `${apiUrl}/`));
  assert.equal(uplot.status, 200);
});

test('a job from the form: field errors, live chart, samples with a slider, checkpoints', async () => {
  await page.goto(`${apiUrl}/`);
  await page.getByRole('heading', { name: 'Jobs' }).waitFor();
  await page.getByRole('link', { name: 'New job' }).click();

  // The form carries the API's defaults and limits.
  assert.equal(await page.inputValue('#field-iterations'), '30000');
  assert.equal(await page.inputValue('#field-batchSize'), '128');
  assert.match(await page.textContent('#hint-batchSize') ?? '', /default 128 · 1 – 1,024/);
  // The dataset is a built-in name or an upload's id; with no uploads the form offers the built-ins, with their shape
  // once GET /datasets answered (test/dashboard/datasets-browser.test.ts has uploads).
  await page.locator('#hint-dataset').filter({ hasText: '28 × 28 × 1 · 10 classes · built-in' }).waitFor();
  assert.deepEqual(await page.locator('#field-dataset option').allTextContents(), [
    'mnist · 28 × 28 × 1 · 10 classes · built-in',
    'fashion-mnist · 28 × 28 × 1 · 10 classes · built-in',
  ]);
  // Each model brings its own options and defaults; the common fields keep what was typed.
  await page.fill('#field-iterations', '500');
  await page.selectOption('#field-model', 'wgan');
  assert.equal(await page.inputValue('#field-learningRate'), '0.00005');
  assert.equal(await page.inputValue('#field-nCritic'), '5');
  assert.equal(await page.locator('#field-beta1').count(), 0);
  assert.equal(await page.inputValue('#field-iterations'), '500');
  await page.selectOption('#field-model', 'gan');
  assert.equal(await page.inputValue('#field-beta1'), '0.5');
  assert.equal(await page.locator('#field-nCritic').count(), 0);
  await page.fill('#field-iterations', '30000');

  // A value the API rejects: its message appears next to the field, and nothing is created.
  await page.fill('#field-batchSize', '5000');
  await page.getByRole('button', { name: 'Start training' }).click();
  await page.locator('#error-batchSize').filter({ hasText: /1024/ }).waitFor();
  assert.equal(await page.getAttribute('#field-batchSize', 'aria-invalid'), 'true');
  assert.equal(await page.textContent('#error-iterations'), '');
  assert.match(page.url(), /#\/new$/);
  await shot('form-error');

  await page.fill('#field-name', 'browser run');
  await page.fill('#field-iterations', '300');
  await page.fill('#field-batchSize', '16');
  await page.fill('#field-sampleInterval', '50');
  await page.fill('#field-checkpointInterval', '100');
  await page.getByRole('button', { name: 'Start training' }).click();
  const id = await jobIdFromUrl();
  await page.getByRole('heading', { name: /browser run/ }).waitFor();

  // The chart grows as metrics arrive over SSE.
  await page.waitForFunction(() => Number(document.querySelector('.chart')?.getAttribute('data-points')) > 0, null, { timeout: 120_000 });
  const first = await points();
  await page.waitForFunction((n) => Number(document.querySelector('.chart')?.getAttribute('data-points')) > n, first, { timeout: 60_000 });
  assert.ok((await points()) > first);

  // Samples: the latest one large; the slider goes back to the first.
  await page.waitForFunction(() => !(document.querySelector('.sample-viewer input[type=range]') as HTMLInputElement).disabled, null, {
    timeout: 120_000,
  });
  const image = page.locator('img.sample-image');
  assert.ok(Number(await image.getAttribute('data-iteration')) >= 100);
  await shot('job-running');
  await page.locator('.sample-viewer input[type=range]').fill('0');
  assert.equal(await image.getAttribute('data-iteration'), '50');
  await page.locator('.sample-caption').filter({ hasText: 'iteration 50' }).waitFor();
  await page.waitForFunction(() => (document.querySelector('img.sample-image') as HTMLImageElement).naturalWidth > 100);

  // The end: completed, all 300 iterations charted, three checkpoints with working downloads.
  await page.locator('h1 .badge[data-status=completed]').waitFor({ timeout: 180_000 });
  await page.waitForFunction(() => Number(document.querySelector('.chart')?.getAttribute('data-points')) === 300);
  await page.locator('table.checkpoints tbody tr').nth(2).waitFor();
  const links = await page.locator('table.checkpoints a').evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).href));
  assert.equal(links.length, 9);
  for (const href of links) {
    const res = await fetch(href);
    await res.arrayBuffer(); // read whole: an unread archive holds one of the client's GANFORGE_ARCHIVE_MAX_PER_CLIENT slots
    assert.equal(res.status, 200, href);
  }
  // Each row's "download" is the whole checkpoint as a tar, named by the API after the job.
  const archives = await page.getByRole('link', { name: 'download' }).evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).href));
  assert.deepEqual(archives.map((href) => new URL(href).pathname), [300, 200, 100].map((i) => `/jobs/${id}/checkpoints/${i}/archive`));
  const archive = await fetch(archives[0]!);
  assert.equal(archive.headers.get('content-type'), 'application/x-tar');
  assert.equal(archive.headers.get('content-disposition'), 'attachment; filename="browser-run-300.tar"');
  assert.equal(await page.locator('[data-action=delete]').isEnabled(), true);
  assert.equal(await page.locator('[data-action=cancel]').isEnabled(), false);
  assert.match((await page.textContent('.meta')) ?? '', /backend wasm/);
  assert.match((await page.textContent('.meta')) ?? '', /dataset mnist/);
  assert.equal(await page.textContent('dl.spec dd[data-key=batchSize]'), '16');
  // Generate: a fresh grid from the saved generator; this gan job has no digit to choose.
  assert.equal(await page.locator('#generate-label').count(), 0);
  await page.fill('#generate-count', '4');
  await page.locator('[data-action=generate]').click();
  await page.waitForFunction(() => (document.querySelector('img.generated') as HTMLImageElement | null)?.naturalWidth === 2 * 112 + 3 * 2);
  await page.fill('#generate-count', '65');
  await page.locator('[data-action=generate]').click();
  await page.locator('.generate .field-error').filter({ hasText: /n/ }).waitFor();
  await shot('job-completed');

  await page.getByRole('link', { name: '← All jobs' }).click();
  const row = page.locator(`tr[data-job-id="${id}"]`);
  await row.locator('.badge[data-status=completed]').waitFor();
  assert.match((await row.textContent()) ?? '', /300 \/ 300/);
  await shot('jobs');
});

test('a second job is cancelled with the button, resumed, cancelled again, then deleted', async () => {
  await page.goto(`${apiUrl}/#/new`);
  await page.fill('#field-name', 'to cancel');
  await page.fill('#field-iterations', '100000');
  await page.fill('#field-batchSize', '16');
  await page.getByRole('button', { name: 'Start training' }).click();
  const id = await jobIdFromUrl();

  await page.locator('h1 .badge[data-status=running]').waitFor({ timeout: 120_000 });
  await page.waitForFunction(() => Number(document.querySelector('.chart')?.getAttribute('data-points')) > 0, null, { timeout: 60_000 });
  assert.equal(await page.locator('[data-action=delete]').isEnabled(), false, 'no delete while it runs');
  await page.locator('[data-action=cancel]').click();
  await page.locator('h1 .badge[data-status=cancelled]').waitFor({ timeout: 60_000 });
  await shot('job-cancelled');

  // Resume (dialogs are accepted): running again. A click may meet the worker still winding the job down, a 409
  // the page shows; then it is clicked again.
  await waitUntil(async () => {
    await page.locator('[data-action=resume]').click();
    await page.waitForFunction(
      () => document.querySelector('h1 .badge')?.getAttribute('data-status') !== 'cancelled' || !document.querySelector<HTMLElement>('.alert')!.hidden,
      null,
      { timeout: 30_000 },
    );
    return (await page.locator('h1 .badge').getAttribute('data-status')) !== 'cancelled';
  }, 60_000, 'the job to resume');
  await page.locator('h1 .badge[data-status=running]').waitFor({ timeout: 120_000 });
  assert.equal(await page.locator('[data-action=resume]').count(), 0, 'no resume while it runs');
  await page.locator('[data-action=cancel]').click();
  await page.locator('h1 .badge[data-status=cancelled]').waitFor({ timeout: 60_000 });

  await page.locator('[data-action=delete]').click();
  await page.waitForURL(/#\/$/);
  assert.equal((await fetch(`${apiUrl}/jobs/${id}`)).status, 404);
  await page.getByRole('heading', { name: 'Jobs' }).waitFor();
  assert.equal(await page.locator(`tr[data-job-id="${id}"]`).count(), 0);
});

test('no script errors on any page', () => {
  assert.deepEqual(pageErrors, []);
});
