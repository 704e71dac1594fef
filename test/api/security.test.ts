// Security headers on every kind of response, a CSP the docs and the dashboard run under in a real browser, unguessable ids.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { PNG } from 'pngjs';
import { chromium } from 'playwright-core';
import { body, startTestApp, type TestApp } from './test-app.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

type Res = { statusCode: number; headers: Record<string, unknown> };

function assertSecurityHeaders(res: Res, what: string) {
  const h = res.headers;
  assert.equal(h['x-content-type-options'], 'nosniff', what);
  const csp = String(h['content-security-policy']);
  assert.match(csp, /default-src 'self'/, what);
  assert.match(csp, /frame-ancestors 'none'/, what);
  assert.match(csp, /object-src 'none'/, what);
  assert.doesNotMatch(csp, /script-src[^;]*unsafe/, what);
  // Would break every page of an API served over plain HTTP.
  assert.doesNotMatch(csp, /upgrade-insecure-requests/, what);
  assert.equal(h['x-frame-options'], 'SAMEORIGIN', what);
  assert.equal(h['referrer-policy'], 'no-referrer', what);
  assert.equal(h['cross-origin-opener-policy'], 'same-origin', what);
  assert.match(String(h['strict-transport-security']), /max-age=\d+/, what);
}

function png(): Uint8Array {
  const image = new PNG({ width: 2, height: 2 });
  image.data.fill(128);
  return new Uint8Array(PNG.sync.write(image));
}

describe('security headers', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ GANFORGE_BODY_LIMIT: '2048' });
  });
  after(() => t.close());

  test('on JSON, problem, HTML, static, image, YAML and event-stream responses', async () => {
    const job = body(await t.app.inject({ method: 'POST', url: '/jobs', payload: {} }));
    const sample = await t.app.infra.artifacts.addSample(job.id, 1, png());
    await t.app.infra.jobs.update(job.id, { status: 'completed' });
    await t.app.infra.events.append(job.id, 'status', { status: 'completed', error: null });
    const page = await t.app.inject({ method: 'GET', url: '/' });
    const script = /src="(ui\/[^"]+\.js)"/.exec(page.body)?.[1];
    assert.ok(script, 'the dashboard page names its script');

    const cases: [string, { method?: 'GET' | 'POST'; url: string; payload?: string; headers?: Record<string, string> }, number][] = [
      ['job', { url: `/jobs/${job.id}` }, 200],
      ['job list', { url: '/jobs' }, 200],
      ['unknown job', { url: '/jobs/00000000-0000-4000-8000-000000000000' }, 404],
      ['unknown route', { url: '/nope' }, 404],
      ['validation error', { url: '/jobs?limit=0' }, 400],
      ['body too large', { method: 'POST', url: '/jobs', payload: `{"name":"${'x'.repeat(3000)}"}`, headers: { 'content-type': 'application/json' } }, 413],
      ['wrong media type', { method: 'POST', url: '/jobs', payload: 'x', headers: { 'content-type': 'text/plain' } }, 415],
      ['dashboard', { url: '/' }, 200],
      ['dashboard script', { url: `/${script}` }, 200],
      ['docs', { url: '/docs' }, 200],
      ['openapi', { url: '/openapi.yaml' }, 200],
      ['sample image', { url: `/samples/${sample.id}.png` }, 200],
      ['event stream', { url: `/jobs/${job.id}/events` }, 200],
      ['liveness', { url: '/healthz' }, 200],
    ];
    for (const [what, req, status] of cases) {
      const res = await t.app.inject({ method: req.method ?? 'GET', url: req.url, payload: req.payload, headers: req.headers });
      assert.equal(res.statusCode, status, `${what}: ${res.body.slice(0, 200)}`);
      assertSecurityHeaders(res, what);
    }
  });

  test('images are served with nosniff and their own type', async () => {
    const job = body(await t.app.inject({ method: 'POST', url: '/jobs', payload: {} }));
    const sample = await t.app.infra.artifacts.addSample(job.id, 1, png());
    const res = await t.app.inject({ method: 'GET', url: `/samples/${sample.id}.png` });
    assert.equal(res.headers['content-type'], 'image/png');
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
  });

  test('errors raised before routing (a malformed URL) still carry nosniff, a CSP and the request id', async () => {
    for (const url of ['/jobs/%zz', `/jobs/${'a'.repeat(5000)}`]) {
      const res = await t.app.inject({ method: 'GET', url });
      assert.ok(res.statusCode === 400 || res.statusCode === 414, url);
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
      assert.match(String(res.headers['content-security-policy']), /default-src 'none'/);
      assert.ok(res.headers['x-request-id']);
    }
  });
});

describe('the CSP in a real browser', { skip: !existsSync(CHROMIUM) && `no browser at ${CHROMIUM}` }, () => {
  let t: TestApp;
  let base: string;
  before(async () => {
    t = await startTestApp();
    base = await t.listen();
  });
  after(() => t.close());

  test('/docs and the dashboard render without a single CSP violation', async () => {
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
    try {
      const page = await browser.newPage();
      page.setDefaultTimeout(30_000);
      const problems: string[] = [];
      page.on('pageerror', (err) => problems.push(err.message));
      page.on('console', (msg) => msg.type() === 'error' && problems.push(msg.text()));
      await page.addInitScript(() => {
        document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
      });

      await page.goto(`${base}/docs`);
      await page.locator('.swagger-ui .info .title').filter({ hasText: 'ganforge API' }).waitFor();
      await page.locator('.opblock-summary-path', { hasText: '/jobs' }).first().waitFor();

      await page.goto(`${base}/`);
      await page.getByRole('heading', { name: 'Jobs' }).waitFor();
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
    }
  });
});

describe('unguessable ids', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ GANFORGE_RATE_LIMIT_CREATE_MAX: '1000', GANFORGE_RATE_LIMIT_MAX: '1000', GANFORGE_QUOTA_ACTIVE_JOBS: '0' });
  });
  after(() => t.close());

  test('job and sample ids are distinct random UUID v4 (version 4, variant 10xx)', async () => {
    const jobIds: string[] = [];
    for (let i = 0; i < 300; i++) {
      const res = await t.app.inject({ method: 'POST', url: '/jobs', payload: { iterations: 1 } });
      assert.equal(res.statusCode, 201);
      jobIds.push(body(res).id);
    }
    const sampleIds: string[] = [];
    const image = png();
    for (let i = 0; i < 300; i++) sampleIds.push((await t.app.infra.artifacts.addSample(jobIds[0]!, i, image)).id);

    for (const ids of [jobIds, sampleIds]) {
      for (const id of ids) {
        assert.match(id, UUID_V4);
        const bytes = Buffer.from(id.replace(/-/g, ''), 'hex');
        assert.equal(bytes[6]! >> 4, 4, 'version nibble');
        assert.equal(bytes[8]! >> 6, 0b10, 'RFC 4122 variant');
      }
      assert.equal(new Set(ids).size, ids.length);
      // 122 random bits: every hex digit outside the fixed ones takes many values across a few hundred ids.
      for (const pos of [0, 9, 20, 35]) assert.ok(new Set(ids.map((id) => id[pos])).size >= 12, `position ${pos}`);
    }
  });
});
