// The BullMQ board at /admin/queues: absent unless configured; read-only, problem+json errors, outside the OpenAPI contract, in a browser.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium } from 'playwright-core';
import type { FastifyRequest } from 'fastify';
import { boardProblem } from '../../src/api/plugins/queue-board.js';
import { body, buildTestApp, startTestApp, type TestApp } from './test-app.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SHOTS = path.join(ROOT, 'test-results');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

describe('queue board off (the default)', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
  });
  after(() => t.close());

  test('/admin/queues and its API are 404 problem+json', async () => {
    for (const url of ['/admin/queues', '/admin/queues/', '/admin/queues/api/queues']) {
      const res = await t.app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 404, url);
      assert.match(String(res.headers['content-type']), /^application\/problem\+json/, url);
      assert.equal(body(res).code, 'NOT_FOUND');
    }
  });
});

describe('queue board on', () => {
  let t: TestApp;
  let base: string;
  let jobId: string;
  before(async () => {
    t = await startTestApp({ GANFORGE_QUEUE_BOARD: 'true' });
    base = await t.listen();
    const res = await fetch(`${base}/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'board', iterations: 10 }),
    });
    assert.equal(res.status, 201);
    jobId = ((await res.json()) as { id: string }).id;
  });
  after(() => t.close());

  test('the page is HTML under the API CSP, with no third-party stylesheet', async () => {
    const res = await fetch(`${base}/admin/queues`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type')!, /^text\/html/);
    assert.match(res.headers.get('content-security-policy')!, /script-src 'self';/);
    const html = await res.text();
    assert.match(html, /<base href="\/admin\/queues\/"/);
    assert.doesNotMatch(html, /https?:\/\/(?!github\.com)/);
  });

  test('its API lists the train queue with the job POST /jobs enqueued, rate limited as usual', async () => {
    const res = await fetch(`${base}/admin/queues/api/queues?activeQueue=train&status=latest&page=1&jobsPerPage=10`);
    assert.equal(res.status, 200);
    assert.ok(res.headers.get('x-ratelimit-limit'), 'the rate limiter counts board requests');
    const { queues } = (await res.json()) as { queues: { name: string; readOnlyMode: boolean; counts: Record<string, number>; jobs: { id: string }[] }[] };
    assert.deepEqual(queues.map((q) => q.name), ['train']);
    const [train] = queues;
    assert.equal(train!.readOnlyMode, true);
    assert.equal(train!.counts.waiting, 1);
    assert.deepEqual(train!.jobs.map((j) => j.id), [jobId]);
  });

  test('mutations are refused with 405 problem+json and change nothing', async () => {
    for (const [method, url] of [
      ['PUT', `/admin/queues/api/queues/train/${jobId}/clean`],
      ['PUT', '/admin/queues/api/queues/train/empty'],
      ['PUT', '/admin/queues/api/queues/pause'],
      ['POST', '/admin/queues/api/queues/train/add'],
    ] as const) {
      const res = await fetch(`${base}${url}`, { method, headers: { 'content-type': 'application/json' }, body: '{}' });
      assert.equal(res.status, 405, `${method} ${url}`);
      assert.match(res.headers.get('content-type')!, /^application\/problem\+json/);
      assert.equal(res.headers.get('allow'), 'GET, HEAD');
    }
    assert.equal(await t.app.infra.queue.getJobState(jobId), 'waiting');
    assert.equal(await t.app.infra.queue.isPaused(), false);
  });

  test("the board's own refusals are problem+json, keeping its error key for its page", async () => {
    for (const [url, status, code, key] of [
      ['/admin/queues/api/queues/nope/metrics', 404, 'NOT_FOUND', 'ERRORS.QUEUE_NOT_FOUND'],
      ['/admin/queues/api/queues/train/999999', 404, 'NOT_FOUND', 'ERRORS.JOB_NOT_FOUND'],
      ['/admin/queues/api/queues?page=abc', 400, 'BAD_REQUEST', 'ERRORS.INVALID_QUERY_PARAM'],
    ] as const) {
      const res = await fetch(`${base}${url}`);
      assert.equal(res.status, status, url);
      assert.match(res.headers.get('content-type')!, /^application\/problem\+json/, url);
      const problem = (await res.json()) as Record<string, any>;
      assert.equal(problem.status, status);
      assert.equal(problem.code, code);
      assert.equal(problem.instance, url);
      assert.equal(problem.requestId, res.headers.get('x-request-id'));
      assert.match(problem.detail, new RegExp(key.replace('ERRORS.', '')));
      assert.equal(problem.error.key, key);
    }
  });

  test('what the board throws goes through the API error handler: 5xx internals hidden', async () => {
    const queue = t.app.infra.queue;
    const original = queue.getJobCounts;
    queue.getJobCounts = async () => {
      throw new Error('secret: redis at 10.9.8.7 said no');
    };
    try {
      const res = await fetch(`${base}/admin/queues/api/queues`);
      assert.equal(res.status, 500);
      assert.match(res.headers.get('content-type')!, /^application\/problem\+json/);
      const text = await res.text();
      assert.doesNotMatch(text, /secret|10\.9\.8\.7/);
      assert.equal(JSON.parse(text).code, 'INTERNAL');
    } finally {
      queue.getJobCounts = original;
    }
  });

  test('its routes stay out of the OpenAPI document', () => {
    const paths = Object.keys((t.app.swagger() as { paths: Record<string, unknown> }).paths);
    assert.ok(paths.includes('/jobs'), paths.join(' '));
    assert.deepEqual(paths.filter((p) => p.startsWith('/admin')), []);
  });

  test('in a real browser: the queue and its job render, no CSP violation, nothing fetched elsewhere', { skip: !existsSync(CHROMIUM) && `no browser at ${CHROMIUM}` }, async () => {
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1360, height: 760 } });
      page.setDefaultTimeout(30_000);
      const problems: string[] = [];
      const elsewhere: string[] = [];
      page.on('pageerror', (err) => problems.push(err.message));
      page.on('console', (msg) => msg.type() === 'error' && problems.push(msg.text()));
      page.on('request', (req) => !req.url().startsWith(`${base}/`) && elsewhere.push(req.url()));
      await page.addInitScript(() => {
        document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
      });

      await page.goto(`${base}/admin/queues`);
      await page.getByRole('link', { name: 'train', exact: true }).first().waitFor();
      await page.goto(`${base}/admin/queues/queue/train`);
      await page.getByText(jobId).first().waitFor();
      await mkdir(SHOTS, { recursive: true });
      await page.screenshot({ path: path.join(SHOTS, 'queue-board.png') });
      assert.deepEqual(problems, []);
      assert.deepEqual(elsewhere, []);

      // The page still tells its own errors from a problem document: the notice comes from its `error` member.
      await page.goto(`${base}/admin/queues/queue/nope/1`);
      await page.getByText('Queue not found', { exact: true }).waitFor();
    } finally {
      await browser.close();
    }
  });
});

describe('queue board errors', () => {
  test('a rate-limited board request is 429 problem+json with Retry-After, as elsewhere in the API', async (ctx) => {
    const t = await buildTestApp(ctx, { GANFORGE_QUEUE_BOARD: 'true', GANFORGE_RATE_LIMIT_MAX: '1' });
    assert.equal((await t.app.inject({ method: 'GET', url: '/admin/queues/api/queues' })).statusCode, 200);
    const res = await t.app.inject({ method: 'GET', url: '/admin/queues/api/queues' });
    assert.equal(res.statusCode, 429);
    assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
    assert.equal(body(res).code, 'RATE_LIMITED');
    assert.ok(Number(res.headers['retry-after']) > 0);
  });

  test('a 5xx the board answers itself says nothing of its body, which goes to the log', () => {
    const logged: unknown[] = [];
    const request = { url: '/admin/queues/api/queues', id: 'req-1', log: { error: (...args: unknown[]) => logged.push(args) } };
    const payload = JSON.stringify({ error: { key: 'ERRORS.INTERNAL_SERVER_ERROR' }, code: 'RESPONSE_SCHEMA_MISMATCH', details: 'secret detail' });
    const problem = boardProblem(request as unknown as FastifyRequest, 500, payload);
    assert.equal(problem.code, 'INTERNAL');
    assert.equal(problem.requestId, 'req-1');
    assert.doesNotMatch(JSON.stringify(problem), /secret|SCHEMA/);
    assert.match(JSON.stringify(logged), /secret detail/);
  });
});
