// Dataset uploads have their own time bounds: longer than GANFORGE_REQUEST_TIMEOUT_MS in all, but a stalled or endless
// upload is still cut off with 408 problem+json, leaving nothing; other routes keep the short bound.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestApp, type TestApp } from './test-app.js';
import { makeZip, solidPng } from '../helpers/archives.js';

let t: TestApp;
let base: string;

before(async () => {
  t = await startTestApp({
    GANFORGE_REQUEST_TIMEOUT_MS: '1000',
    GANFORGE_UPLOAD_TIMEOUT_MS: '5000',
    GANFORGE_UPLOAD_IDLE_TIMEOUT_MS: '1000',
    GANFORGE_DATASET_UPLOADS_PER_CLIENT: '10',
  });
  base = await t.listen();
});
after(() => t.close());

/** Files under the store's datasets folder (uploads in progress included). */
const stored = () => readdir(path.join(t.env.GANFORGE_DATA_DIR, 'datasets'), { recursive: true }).catch(() => []);

/**
 * POSTs `pieces` to /datasets, waiting `gapMs` between them (and ending the body unless `hang`); resolves with the
 * answer whenever it comes, and how long the upload had been going.
 */
function slowUpload(pieces: Buffer[], gapMs: number, opts: { hang?: boolean } = {}) {
  const started = performance.now();
  const req = http.request(`${base}/datasets?name=slow`, { method: 'POST', headers: { 'content-type': 'application/zip' } });
  const answered = new Promise<{ status: number; type: string; body: any; ms: number }>((resolve, reject) => {
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, type: String(res.headers['content-type']), body: JSON.parse(text), ms: performance.now() - started }));
    });
    req.on('error', reject);
  });
  void (async () => {
    for (const [i, piece] of pieces.entries()) {
      if (req.destroyed) return;
      if (i > 0) await sleep(gapMs);
      req.write(piece);
    }
    if (!opts.hang) req.end();
  })();
  return { req, answered };
}

const split = (buf: Buffer, n: number) => Array.from({ length: n }, (_, i) => buf.subarray(Math.floor((i * buf.length) / n), Math.floor(((i + 1) * buf.length) / n)));

test('an upload that takes longer than GANFORGE_REQUEST_TIMEOUT_MS, but keeps sending, is accepted', async () => {
  const zip = makeZip([{ name: 'a.png', data: await solidPng(28, 28, [3, 3, 3]) }]);
  const up = slowUpload(split(zip, 8), 250);
  const res = await up.answered;
  assert.equal(res.status, 202, JSON.stringify(res.body));
  assert.ok(res.ms > 1000, `the upload took ${res.ms} ms, more than the request timeout`);
  assert.equal(res.body.uploadBytes, zip.length);
});

test('an upload that stops sending is cut off after GANFORGE_UPLOAD_IDLE_TIMEOUT_MS with 408; nothing is left', async () => {
  const before = (await stored()).length;
  const up = slowUpload([Buffer.alloc(4096, 1)], 0, { hang: true });
  const res = await up.answered;
  up.req.destroy();
  assert.equal(res.status, 408);
  assert.match(res.type, /^application\/problem\+json/);
  assert.equal(res.body.code, 'REQUEST_TIMEOUT');
  assert.match(res.body.detail, /no byte for 1000 ms \(GANFORGE_UPLOAD_IDLE_TIMEOUT_MS\)/);
  assert.equal((await stored()).length, before);
});

test('an upload that trickles for ever is cut off after GANFORGE_UPLOAD_TIMEOUT_MS with 408; nothing is left', async () => {
  const before = (await stored()).length;
  // A piece every 300 ms never trips the idle bound; 100 of them would take 30 s.
  const up = slowUpload(Array.from({ length: 100 }, () => Buffer.alloc(64, 2)), 300);
  const res = await up.answered;
  up.req.destroy();
  assert.equal(res.status, 408);
  assert.equal(res.body.code, 'REQUEST_TIMEOUT');
  assert.match(res.body.detail, /within 5000 ms \(GANFORGE_UPLOAD_TIMEOUT_MS\)/);
  assert.equal((await stored()).length, before);
});

test('other routes keep GANFORGE_REQUEST_TIMEOUT_MS for their body', async () => {
  const { hostname, port } = new URL(base);
  const answer = await new Promise<string>((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () =>
      socket.write('POST /jobs HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{'),
    );
    let text = '';
    socket.setEncoding('utf8').on('data', (d: string) => (text += d));
    socket.on('close', () => resolve(text));
    socket.on('error', reject);
  });
  assert.match(answer, /^HTTP\/1\.1 408 Request Timeout\r\n/);
  assert.match(answer, /"code":"REQUEST_TIMEOUT"/);
  assert.match(answer, /within 1000 ms \(GANFORGE_REQUEST_TIMEOUT_MS\)/);
});
