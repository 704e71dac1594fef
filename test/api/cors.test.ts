// CORS: a page on another origin reads jobs, metrics, events, sample images and loads the generator; it cannot create jobs.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { PNG } from 'pngjs';
import { chromium } from 'playwright-core';
import { addGeneratorCheckpoint } from '../helpers/generator-checkpoint.js';
import { loadEnv } from '../../src/config/env.js';
import { body, buildTestApp, startTestApp, type TestApp } from './test-app.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const PAGE_ORIGIN = 'http://127.0.0.1:1';

function png(): Uint8Array {
  const image = new PNG({ width: 3, height: 2 });
  image.data.fill(200);
  return new Uint8Array(PNG.sync.write(image));
}

describe('CORS headers', () => {
  test('by default any origin may GET, with the headers a page needs exposed; no POST or DELETE is allowed', async (ctx) => {
    const t = await buildTestApp(ctx);
    const job = body(await t.app.inject({ method: 'POST', url: '/jobs', payload: {} }));
    const read = await t.app.inject({ method: 'GET', url: `/jobs/${job.id}`, headers: { origin: PAGE_ORIGIN } });
    assert.equal(read.headers['access-control-allow-origin'], '*');
    assert.match(String(read.headers['access-control-expose-headers']), /etag/);
    assert.equal(read.headers['access-control-allow-credentials'], undefined);
    // Errors too, so a page can show the problem's detail.
    const missing = await t.app.inject({ method: 'GET', url: '/jobs/nope', headers: { origin: PAGE_ORIGIN } });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.headers['access-control-allow-origin'], '*');

    for (const method of ['POST', 'DELETE']) {
      const preflight = await t.app.inject({
        method: 'OPTIONS',
        url: '/jobs',
        headers: { origin: PAGE_ORIGIN, 'access-control-request-method': method, 'access-control-request-headers': 'content-type' },
      });
      assert.doesNotMatch(String(preflight.headers['access-control-allow-methods']), new RegExp(method), `${method} preflight`);
      assert.doesNotMatch(String(preflight.headers['access-control-allow-headers']), /content-type/);
    }
    // An OPTIONS that is no preflight is answered as without CORS: 404 problem+json.
    const bare = await t.app.inject({ method: 'OPTIONS', url: '/jobs' });
    assert.equal(bare.statusCode, 404);
    assert.match(String(bare.headers['content-type']), /^application\/problem\+json/);
    const sample = await t.app.infra.artifacts.addSample(job.id, 1, png());
    const image = await t.app.inject({ method: 'GET', url: `/samples/${sample.id}.png` });
    assert.equal(image.headers['cross-origin-resource-policy'], 'cross-origin', 'embeddable by <img> elsewhere');
    const json = await t.app.inject({ method: 'GET', url: `/jobs/${job.id}` });
    assert.equal(json.headers['cross-origin-resource-policy'], 'same-origin', 'the rest keeps helmet\'s policy');
  });

  test('a list of origins: listed ones are answered (with Vary: Origin), others get no CORS headers', async (ctx) => {
    const t = await buildTestApp(ctx, { GANFORGE_CORS_ORIGINS: 'https://lab.example.org, http://localhost:8888' });
    const ok = await t.app.inject({ method: 'GET', url: '/jobs', headers: { origin: 'http://localhost:8888' } });
    assert.equal(ok.headers['access-control-allow-origin'], 'http://localhost:8888');
    assert.match(String(ok.headers.vary), /origin/i);
    const other = await t.app.inject({ method: 'GET', url: '/jobs', headers: { origin: 'https://evil.example' } });
    assert.equal(other.statusCode, 200);
    assert.equal(other.headers['access-control-allow-origin'], undefined);
  });

  test('none: no CORS headers at all', async (ctx) => {
    const t = await buildTestApp(ctx, { GANFORGE_CORS_ORIGINS: 'none' });
    const res = await t.app.inject({ method: 'GET', url: '/jobs', headers: { origin: PAGE_ORIGIN } });
    assert.equal(res.headers['access-control-allow-origin'], undefined);
  });

  test('a bad value names the variable', () => {
    for (const bad of ['http://host/path', 'lab.example.org', 'ftp://x', '*,http://a']) {
      assert.throws(() => loadEnv({ GANFORGE_CORS_ORIGINS: bad }), /GANFORGE_CORS_ORIGINS: .*not an origin/, bad);
    }
    assert.deepEqual(loadEnv({ GANFORGE_CORS_ORIGINS: 'http://a:8080' }).GANFORGE_CORS_ORIGINS, ['http://a:8080']);
  });
});

describe('a page on another origin, in a real browser', { skip: !existsSync(CHROMIUM) && `no browser at ${CHROMIUM}` }, () => {
  let t: TestApp;
  let api: string;
  let pageServer: http.Server;
  let pageUrl: string;
  let jobId: string;
  let sampleUrl: string;

  before(async () => {
    t = await startTestApp();
    api = await t.listen();
    const job = body(await t.app.inject({ method: 'POST', url: '/jobs', payload: { name: 'cors' } }));
    jobId = job.id;
    const sample = await t.app.infra.artifacts.addSample(jobId, 1, png());
    sampleUrl = `/samples/${sample.id}.png`;
    await addGeneratorCheckpoint(t.app.infra.artifacts, jobId, 1);
    await t.app.infra.events.append(jobId, 'status', { status: 'completed', error: null });
    await t.app.infra.jobs.update(jobId, { status: 'completed' });

    // The other origin: 127.0.0.1 on another port serves a blank page and TensorFlow.js.
    const tfBundle = await readFile(createRequire(import.meta.url).resolve('@tensorflow/tfjs/dist/tf.min.js'));
    pageServer = http.createServer((req, res) => {
      if (req.url === '/tf.min.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(tfBundle);
      else res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>lab</title><script src="/tf.min.js"></script>');
    });
    await new Promise<void>((resolve) => pageServer.listen(0, '127.0.0.1', resolve));
    pageUrl = `http://127.0.0.1:${(pageServer.address() as AddressInfo).port}/`;
  });
  after(async () => {
    pageServer?.close();
    await t.close();
  });

  test('reads the job, follows its events, shows a sample and runs the generator; a POST is refused', async () => {
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
    try {
      const page = await browser.newPage();
      page.setDefaultTimeout(30_000);
      await page.goto(pageUrl);
      const before = body<{ jobs: unknown[] }>(await t.app.inject({ method: 'GET', url: '/jobs' })).jobs.length;
      const result = await page.evaluate(
        async ({ api, jobId, sampleUrl }) => {
          const job = await (await fetch(`${api}/jobs/${jobId}`)).json();
          const status = await new Promise<string>((resolve, reject) => {
            const es = new EventSource(`${api}/jobs/${jobId}/events`);
            es.addEventListener('status', (e) => {
              es.close();
              resolve(JSON.parse((e as MessageEvent).data).status);
            });
            es.onerror = () => reject(new Error('EventSource failed'));
          });
          const width = await new Promise<number>((resolve, reject) => {
            const img = new Image();
            img.onload = () => resolve(img.naturalWidth);
            img.onerror = () => reject(new Error('image blocked'));
            img.src = `${api}${sampleUrl}`;
          });
          const tfjs = (window as unknown as { tf: typeof import('@tensorflow/tfjs') }).tf;
          const g = await tfjs.loadLayersModel(`${api}/jobs/${jobId}/generator/model.json`);
          const shape = (g.predict(tfjs.zeros([2, 4])) as import('@tensorflow/tfjs').Tensor).shape;
          let post: string;
          try {
            const res = await fetch(`${api}/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
            post = `answered ${res.status}`;
          } catch (err) {
            post = `refused: ${(err as Error).name}`;
          }
          return { name: job.name, status, width, shape, post };
        },
        { api, jobId, sampleUrl },
      );
      assert.deepEqual(result, { name: 'cors', status: 'completed', width: 3, shape: [2, 6], post: 'refused: TypeError' });
      const afterCount = body<{ jobs: unknown[] }>(await t.app.inject({ method: 'GET', url: '/jobs' })).jobs.length;
      assert.equal(afterCount, before, 'the refused POST created no job');
    } finally {
      await browser.close();
    }
  });
});
