// The compare view and the quality chart in a real browser (Debian chromium via playwright-core) against real API and
// worker processes: two jobs trained briefly, quality points written through QualityStore as the scorer writes them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { cleanup, connect, uniquePrefix } from '../helpers/redis.js';
import { startProcess, stopProcess, waitUntil, type Proc } from '../helpers/processes.js';
import { QualityStore } from '../../src/jobs/quality-store.js';
import type { QualityPoint } from '../../src/contract/quality.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SHOTS = path.join(ROOT, 'test-results');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const prefix = uniquePrefix('compare');
const redis = connect();
const quality = new QualityStore(redis, prefix);
const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'gf-compare-'));
const env = { GANFORGE_PREFIX: prefix, GANFORGE_DATA_DIR: dataDir, GANFORGE_BACKEND: 'wasm', HOST: '127.0.0.1', PORT: '0' };
let api: Proc;
let worker: Proc;
let apiUrl: string;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];
/** The two trained jobs: a gan and a dcgan, so model and several options differ while the dataset does not. */
let gan: string;
let dcgan: string;
const status = { kind: 'classifier' as const, reason: null, updatedAt: new Date().toISOString() };

async function submit(spec: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${apiUrl}/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(spec) });
  assert.equal(res.status, 201, await res.clone().text());
  return ((await res.json()) as { id: string }).id;
}

const completed = (id: string) =>
  waitUntil(
    async () => {
      const job = (await (await fetch(`${apiUrl}/jobs/${id}`)).json()) as { status: string; error: string | null };
      assert.ok(job.status !== 'failed' && job.status !== 'cancelled', `job ${id} ${job.status}: ${job.error}`);
      return job.status === 'completed';
    },
    600_000,
    `job ${id} to complete`,
  );

/** Quality points as the scorer writes them: FD falling (and IS rising) over the run. */
async function writeQuality(id: string, iterations: number[], fd0: number): Promise<void> {
  for (const [i, iteration] of iterations.entries()) {
    const point: QualityPoint = {
      iteration,
      fd: fd0 / (1 + i),
      is: 1.5 + i * 1.2,
      labelAccuracy: null,
      n: 2000,
      scorer: 'classifier',
      seconds: 3.2,
      createdAt: new Date().toISOString(),
    };
    await quality.writePoint(id, point);
  }
}

before(async () => {
  api = startProcess('src/api/server.ts', env);
  worker = startProcess('src/worker/main.ts', env);
  apiUrl = (await api.waitFor(/http:\/\/127\.0\.0\.1:\d+/)).trim();
  await worker.waitFor(/backend wasm/);
  // Long enough that the loss charts bucket iterations (the band shows), short enough for a test on a shared machine.
  gan = await submit({ name: 'seed gan', model: 'gan', iterations: 1000, batchSize: 32, sampleInterval: 250, checkpointInterval: 250, seed: 1 });
  dcgan = await submit({ name: 'dcgan', model: 'dcgan', iterations: 100, batchSize: 16, sampleInterval: 50, checkpointInterval: 25, seed: 1 });
  await completed(gan);
  await completed(dcgan);
  await writeQuality(gan, [250, 500, 750, 1000], 180);
  await writeQuality(dcgan, [25, 50, 75, 100], 120);
  // The scorers' states as the quality worker records them: one ready (with its calibration), one still training.
  await quality.setScorer({ ...status, datasetHash: 'h-ready', state: 'ready', progress: null, heldOutAccuracy: 0.986, reference: { fd: 0.8, is: 9.6, n: 2000 } });
  await quality.setScorer({ ...status, datasetHash: 'h-training', state: 'training', progress: { done: 3, total: 5 }, heldOutAccuracy: null, reference: null });
  await quality.setJobScorer(gan, 'h-ready');
  await quality.setJobScorer(dcgan, 'h-training');

  await fs.mkdir(SHOTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  page = await browser.newPage({ viewport: { width: 1360, height: 1000 } });
  page.setDefaultTimeout(30_000);
  page.on('pageerror', (err) => pageErrors.push(err.message));
  page.on('console', (msg) => msg.type() === 'error' && pageErrors.push(msg.text()));
});

after(async () => {
  await browser?.close();
  await Promise.all([stopProcess(api), stopProcess(worker)]);
  await cleanup(redis, prefix);
  redis.disconnect();
  await fs.rm(dataDir, { recursive: true, force: true });
});

test('the jobs list: tick two jobs, Compare opens #/compare?ids= in the order ticked', async () => {
  await page.goto(`${apiUrl}/`);
  await page.locator(`tr[data-job-id="${gan}"]`).waitFor();
  const compare = page.locator('[data-action="compare"]');
  assert.equal(await compare.isDisabled(), true, 'nothing ticked');
  await page.locator(`tr[data-job-id="${dcgan}"] input[type="checkbox"]`).check();
  assert.equal(await compare.isDisabled(), true, 'one is not a comparison');
  await page.locator(`tr[data-job-id="${gan}"] input[type="checkbox"]`).check();
  assert.match(page.url(), /#\/$|\/$/, 'ticking does not open the job');
  await compare.click();
  await page.waitForURL(new RegExp(`#/compare\\?ids=${dcgan},${gan}$`));
  await page.getByRole('heading', { name: 'Compare 2 runs' }).waitFor();
});

test('the compare view from a URL: loss and quality charts, legend, differing spec fields, both grids', async () => {
  await page.goto(`${apiUrl}/#/compare?ids=${gan},${dcgan}`);
  await page.getByRole('heading', { name: 'Compare 2 runs' }).waitFor();
  await page.locator('.compare-grid img').first().waitFor();

  assert.deepEqual(await page.locator('.compare-legend li a').allTextContents(), ['seed gan', 'dcgan']);
  // One loss chart per metric name of either model, each drawn; and the FD and IS charts.
  const metrics = await page.locator('#view .compare-chart').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.metric));
  assert.deepEqual(metrics, ['dLoss', 'dAcc', 'gLoss', 'fd', 'is']);
  assert.equal(await page.locator('.compare-chart canvas').count(), 5);
  // 1,000 iterations in buckets of 5: 200 points (the dcgan's 100 iterations fall on the same bucket ends).
  assert.equal(await page.getAttribute('.compare-chart[data-metric="gLoss"]', 'data-points'), '200');
  assert.equal(await page.getAttribute('.compare-chart[data-metric="fd"]', 'data-points'), '8', 'the union of both jobs’ scored iterations');
  assert.match((await page.locator('.quality-summary').textContent()) ?? '', /seed gan: best FD 45\.00 at 1,000, final IS 5\.10.*dcgan: best FD 30\.00 at 100, final IS 5\.10/);

  // The specs side by side: what differs is marked, what is equal is not.
  for (const key of ['model', 'iterations', 'batchSize', 'sampleInterval', 'checkpointInterval']) {
    assert.equal(await page.locator(`.compare-spec tr[data-key="${key}"]`).getAttribute('class'), 'differs', key);
  }
  for (const key of ['dataset', 'seed', 'latentDim']) {
    assert.equal(await page.locator(`.compare-spec tr[data-key="${key}"]`).getAttribute('class'), null, key);
  }
  assert.equal(await page.locator('.compare-spec tr[data-key="model"] td').allTextContents().then((v) => v.join(',')), 'gan,dcgan');

  // Both grids are the jobs' latest samples and have loaded.
  await page.waitForFunction(() => Array.from(document.querySelectorAll<HTMLImageElement>('.compare-grid img')).every((img) => img.complete));
  const widths = await page.locator('.compare-grid img').evaluateAll((imgs) => imgs.map((i) => (i as HTMLImageElement).naturalWidth));
  assert.equal(widths.length, 2);
  assert.ok(widths.every((w) => w > 0), `grids loaded: ${widths}`);
  assert.match((await page.locator('.compare-grid figcaption').allTextContents()).join('|'), /seed gan · 1,000\|dcgan · 100/);

  await fs.mkdir(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, 'compare-view.png'), fullPage: true });
});

test('a bad compare link says what is wrong instead of drawing nothing', async () => {
  await page.goto(`${apiUrl}/#/compare?ids=${gan}`);
  await page.getByText('Pick 2 to 8 jobs to compare (this link names 1).').waitFor();
  await page.goto(`${apiUrl}/#/compare?ids=${gan},00000000-0000-4000-8000-000000000000`);
  await page.getByText(/no job 00000000-0000-4000-8000-000000000000: it may have been deleted/).waitFor();
});

test("a job's page draws its quality points under the loss chart, with the scorer's state", async () => {
  await page.goto(`${apiUrl}/#/jobs/${gan}`);
  await page.locator('.quality-chart[data-points="4"] canvas').waitFor();
  assert.equal(await page.locator('.quality-state').textContent(), 'Classifier 98.6% held-out accuracy · real data: FD 0.80, IS 9.60');
  await page.screenshot({ path: path.join(SHOTS, 'dashboard-job-quality.png'), fullPage: true });
  await page.goto(`${apiUrl}/#/jobs/${dcgan}`);
  await page.locator('.quality-chart[data-points="4"] canvas').waitFor();
  await page.locator('.quality-state', { hasText: 'Classifier training 3/5: checkpoints are scored once it is trained.' }).waitFor();
  // The job has ended (no more events), its scorer is still training: the page looks again and draws what comes.
  await quality.setScorer({ ...status, datasetHash: 'h-training', state: 'ready', progress: null, heldOutAccuracy: 0.9, reference: null });
  await quality.writePoint(dcgan, { iteration: 110, fd: 20, is: 6, labelAccuracy: null, n: 2000, scorer: 'classifier', seconds: 3, createdAt: new Date().toISOString() });
  await page.locator('.quality-chart[data-points="5"] canvas').waitFor();
  assert.equal(await page.locator('.quality-state').textContent(), 'Classifier 90.0% held-out accuracy');
});

test('no script errors on any page', () => {
  // The unknown job of the bad link answers 404, which the browser logs.
  assert.deepEqual(pageErrors.filter((e) => !/status of 404/.test(e)), []);
});
