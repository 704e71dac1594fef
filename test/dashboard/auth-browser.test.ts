// Authentication in a real browser: the dashboard's login (HttpOnly session, project shown, writes with the CSRF
// token, logout), and a page on another site: its writes refused, signed image and generator links working, expired
// ones refused.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { PNG } from 'pngjs';
import { chromium, type Browser } from 'playwright-core';
import { addGeneratorCheckpoint } from '../helpers/generator-checkpoint.js';
import { jobSpecSchema } from '../../src/contract/job.js';
import { ADMIN_TOKEN, bearer, body, createKey, startTestApp, type TestApp } from '../api/test-app.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const skip = !existsSync(CHROMIUM) && `no browser at ${CHROMIUM}`;

let t: TestApp;
let api: string;
let browser: Browser;
let member: { id: string; token: string };
let jobId: string;
let pageServer: http.Server;
let evilPage: string;

function png(): Uint8Array {
  const image = new PNG({ width: 3, height: 2 });
  image.data.fill(200);
  return new Uint8Array(PNG.sync.write(image));
}

before(async () => {
  if (skip) return;
  t = await startTestApp({ GANFORGE_ADMIN_TOKEN: ADMIN_TOKEN });
  api = await t.listen();
  member = await createKey(t, { project: 'web', role: 'member', name: 'browser' });
  jobId = (await t.app.infra.jobs.create(jobSpecSchema.parse({ name: 'signed', iterations: 5 }), undefined, { project: 'web', createdBy: member.id })).id;
  await t.app.infra.artifacts.addSample(jobId, 1, png());
  await addGeneratorCheckpoint(t.app.infra.artifacts, jobId, 1);

  // Another site: `localhost` is not the API's `127.0.0.1`, so SameSite cookies do not go along.
  const tfBundle = await readFile(createRequire(import.meta.url).resolve('@tensorflow/tfjs/dist/tf.min.js'));
  pageServer = http.createServer((req, res) => {
    if (req.url === '/tf.min.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(tfBundle);
    else res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>elsewhere</title><script src="/tf.min.js"></script>');
  });
  await new Promise<void>((resolve) => pageServer.listen(0, '127.0.0.1', resolve));
  evilPage = `http://localhost:${(pageServer.address() as AddressInfo).port}/`;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
});

after(async () => {
  await browser?.close();
  pageServer?.close();
  await t?.close();
});

test('dashboard: log in with a key, see the project, create a job with the session, log out', { skip }, async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  await page.goto(`${api}/`);
  await page.getByRole('heading', { name: 'Log in' }).waitFor();
  await page.fill('#login-token', 'gf_not-a-key');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('alert').filter({ hasText: 'unknown or revoked' }).waitFor();

  await page.fill('#login-token', member.token);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Jobs' }).waitFor();
  assert.equal(await page.textContent('#who .project'), 'project web');
  await page.getByText('signed').first().waitFor();
  assert.equal(await page.evaluate(() => document.cookie), '', 'the session cookie is HttpOnly');
  const [cookie] = await context.cookies();
  assert.deepEqual([cookie!.name, cookie!.httpOnly, cookie!.sameSite], ['gf_session', true, 'Strict']);

  await page.getByRole('link', { name: 'New job' }).click();
  await page.fill('#field-name', 'from the dashboard');
  await page.fill('#field-iterations', '5');
  await page.getByRole('button', { name: 'Start training' }).click();
  await page.waitForURL(/#\/jobs\/[0-9a-f-]{36}$/);
  const created = /#\/jobs\/([0-9a-f-]{36})$/.exec(page.url())![1]!;
  const record = await t.app.infra.jobs.get(created);
  assert.deepEqual([record?.project, record?.createdBy, record?.name], ['web', member.id, 'from the dashboard']);

  await page.getByRole('button', { name: 'Log out' }).click();
  await page.getByRole('heading', { name: 'Log in' }).waitFor();
  assert.equal((await context.cookies()).length, 0);
  await context.close();
});

test('a page on another site: writes refused even with a session, signed links work, expired ones do not', { skip }, async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  // The visitor is logged in to the dashboard...
  await page.goto(`${api}/`);
  await page.fill('#login-token', member.token);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Jobs' }).waitFor();
  // ...and then opens a page elsewhere, which the job's owner gave signed links to.
  const job = body(await t.app.inject({ url: `/jobs/${jobId}`, headers: bearer(member.token) }));
  const [sample] = body(await t.app.inject({ url: `/jobs/${jobId}/samples`, headers: bearer(member.token) })).samples;
  const expired = t.app.services.links.signUntil(jobId, sample.url, Math.floor(Date.now() / 1000) - 60);
  // tsx names the arrow functions inside page.evaluate with a helper the page does not have.
  await page.addInitScript('window.__name = (f) => f');
  await page.goto(evilPage);
  const result = await page.evaluate(
    async ({ api, jobId, sample, expired, generator }) => {
      const load = (src: string) =>
        new Promise<string>((resolve) => {
          const img = new Image();
          img.onload = () => resolve(`loaded ${img.naturalWidth}`);
          img.onerror = () => resolve('refused');
          img.src = src;
        });
      // A simple request (no preflight), with the visitor's cookies if the browser sent any.
      await fetch(`${api}/jobs/${jobId}/cancel`, { method: 'POST', mode: 'no-cors', credentials: 'include' }).catch(() => undefined);
      let cors: string;
      try {
        await fetch(`${api}/jobs/${jobId}/cancel`, { method: 'POST', credentials: 'include' });
        cors = 'readable';
      } catch (err) {
        cors = `refused: ${(err as Error).name}`;
      }
      const tfjs = (window as unknown as { tf: typeof import('@tensorflow/tfjs') }).tf;
      const g = await tfjs.loadLayersModel(`${api}${generator}`);
      const shape = (g.predict(tfjs.zeros([2, 4])) as import('@tensorflow/tfjs').Tensor).shape;
      return {
        signed: await load(`${api}${sample.signedUrl}`),
        unsigned: await load(`${api}${sample.url}`),
        expired: await load(`${api}${expired}`),
        cors,
        shape,
      };
    },
    { api, jobId, sample, expired, generator: job.links.signedGenerator as string },
  );
  assert.deepEqual(result, { signed: 'loaded 3', unsigned: 'refused', expired: 'refused', cors: 'refused: TypeError', shape: [2, 6] });
  const after = await t.app.infra.jobs.get(jobId);
  assert.deepEqual([after?.status, after?.cancelRequested], ['queued', false], 'neither POST cancelled the job');
  await context.close();
});
