// What browsers may do: Host checked (DNS rebinding), cross-site writes refused without CORS headers, the dashboard's
// session cookie + CSRF token, and signed artifact links (valid, tampered, expired, another job's).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_TOKEN, assertProblem, bearer, body, createKey, startTestApp, type TestApp } from './test-app.js';
import { addGeneratorCheckpoint } from '../helpers/generator-checkpoint.js';
import { jobSpecSchema } from '../../src/contract/job.js';

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);


describe('Host names', () => {
  test('open: loopback names only (DNS rebinding), probes answer any name', async () => {
    const t = await startTestApp();
    try {
      for (const host of ['localhost:3000', '127.0.0.1:3000', '[::1]:3000', 'app.localhost']) {
        assert.equal((await t.app.inject({ url: '/jobs', headers: { host } })).statusCode, 200, host);
      }
      assertProblem(await t.app.inject({ url: '/jobs', headers: { host: 'rebind.evil.example:3000' } }), 421, 'HOST_NOT_ALLOWED');
      assertProblem(await t.app.inject({ method: 'DELETE', url: '/jobs/00000000-0000-4000-8000-000000000000', headers: { host: 'rebind.evil.example' } }), 421, 'HOST_NOT_ALLOWED');
      assert.equal((await t.app.inject({ url: '/readyz', headers: { host: 'rebind.evil.example' } })).statusCode, 200);
    } finally {
      await t.close();
    }
  });

  test('GANFORGE_ALLOWED_HOSTS: those names only; with authentication on and no list, any name', async () => {
    const t = await startTestApp({ GANFORGE_ADMIN_TOKEN: ADMIN_TOKEN, GANFORGE_ALLOWED_HOSTS: 'gan.example.org' });
    const any = await startTestApp({ GANFORGE_ADMIN_TOKEN: ADMIN_TOKEN });
    try {
      assert.equal((await t.app.inject({ url: '/jobs', headers: { ...bearer(ADMIN_TOKEN), host: 'GAN.example.org:443' } })).statusCode, 200);
      assertProblem(await t.app.inject({ url: '/jobs', headers: { ...bearer(ADMIN_TOKEN), host: 'localhost' } }), 421, 'HOST_NOT_ALLOWED');
      assert.equal((await any.app.inject({ url: '/jobs', headers: { ...bearer(ADMIN_TOKEN), host: 'whatever.example' } })).statusCode, 200);
    } finally {
      await t.close();
      await any.close();
    }
  });
});

describe('writes from browsers', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ GANFORGE_ADMIN_TOKEN: ADMIN_TOKEN });
  });
  after(() => t.close());

  test('a write from a page on another site is refused (Origin or Sec-Fetch-Site), and carries no CORS headers', async () => {
    const { token } = await createKey(t, { project: 'web', role: 'member' });
    const job = body(await t.app.inject({ method: 'POST', url: '/jobs', headers: bearer(token), payload: { iterations: 5 } }));
    for (const headers of [{ origin: 'https://evil.example' }, { 'sec-fetch-site': 'cross-site' }, { origin: 'null' }]) {
      const res = await t.app.inject({ method: 'POST', url: `/jobs/${job.id}/cancel`, headers: { ...bearer(token), ...headers } });
      assertProblem(res, 403, 'CROSS_SITE_WRITE');
      assert.equal(res.headers['access-control-allow-origin'], undefined);
    }
    assert.equal((await t.app.infra.jobs.get(job.id))?.cancelRequested, false);
    const same = await t.app.inject({ method: 'POST', url: `/jobs/${job.id}/cancel`, headers: { ...bearer(token), origin: 'http://localhost:80', host: 'localhost:80' } });
    assert.equal(same.statusCode, 202);
    assert.equal(same.headers['access-control-allow-origin'], undefined, 'no CORS headers on a write, even same-origin');
    const read = await t.app.inject({ url: `/jobs/${job.id}`, headers: { ...bearer(token), origin: 'https://lab.example' } });
    assert.equal(read.headers['access-control-allow-origin'], '*', 'reads keep CORS');
    // A page elsewhere that holds a key may send it with a read (its preflight allows the header), never a cookie.
    const preflight = await t.app.inject({
      method: 'OPTIONS',
      url: `/jobs/${job.id}`,
      headers: { origin: 'https://lab.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
    });
    assert.match(String(preflight.headers['access-control-allow-headers']), /authorization/);
    assert.equal(preflight.headers['access-control-allow-credentials'], undefined);
  });

  test('dashboard session: HttpOnly SameSite=Strict cookie; writes need its CSRF token; revoking the key ends it; logout', async () => {
    const { id, token } = await createKey(t, { project: 'dash', role: 'member' });
    assertProblem(await t.app.inject({ method: 'POST', url: '/session', payload: { token: 'gf_wrong' } }), 401, 'UNAUTHORIZED');
    const login = await t.app.inject({ method: 'POST', url: '/session', payload: { token } });
    assert.equal(login.statusCode, 200, login.body);
    const setCookie = String(login.headers['set-cookie']);
    assert.match(setCookie, /^gf_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/);
    const session = body(login);
    assert.deepEqual({ ...session, csrfToken: typeof session.csrfToken }, { project: 'dash', role: 'member', keyId: id, open: false, csrfToken: 'string' });
    const cookie = setCookie.split(';')[0]!;

    assert.deepEqual(body(await t.app.inject({ url: '/session', headers: { cookie } })), session);
    assert.equal((await t.app.inject({ url: '/jobs', headers: { cookie } })).statusCode, 200);
    assertProblem(await t.app.inject({ method: 'POST', url: '/jobs', headers: { cookie }, payload: {} }), 403, 'FORBIDDEN');
    assertProblem(await t.app.inject({ method: 'POST', url: '/jobs', headers: { cookie, 'x-csrf-token': 'guess' }, payload: {} }), 403, 'FORBIDDEN');
    const created = await t.app.inject({ method: 'POST', url: '/jobs', headers: { cookie, 'x-csrf-token': session.csrfToken }, payload: { iterations: 5 } });
    assert.equal(created.statusCode, 201);
    assert.equal(body(created).createdBy, id);

    const logout = await t.app.inject({ method: 'DELETE', url: '/session', headers: { cookie, 'x-csrf-token': session.csrfToken } });
    assert.equal(logout.statusCode, 204);
    assert.match(String(logout.headers['set-cookie']), /^gf_session=; .*Max-Age=0/);
    assertProblem(await t.app.inject({ url: '/jobs', headers: { cookie } }), 401, 'UNAUTHORIZED');

    const again = (await t.app.inject({ method: 'POST', url: '/session', payload: { token } })).headers['set-cookie'];
    const cookie2 = String(again).split(';')[0]!;
    assert.equal((await t.app.inject({ url: '/jobs', headers: { cookie: cookie2 } })).statusCode, 200);
    await t.app.inject({ method: 'DELETE', url: `/keys/${id}`, headers: bearer(ADMIN_TOKEN) });
    assertProblem(await t.app.inject({ url: '/jobs', headers: { cookie: cookie2 } }), 401, 'UNAUTHORIZED');
  });
});

describe('signed links', () => {
  let t: TestApp;
  let jobId: string;
  let other: string;
  let sampleId: string;
  let otherSample: string;
  before(async () => {
    t = await startTestApp({ GANFORGE_ADMIN_TOKEN: ADMIN_TOKEN });
    jobId = (await t.app.infra.jobs.create(jobSpecSchema.parse({}), undefined, { project: 'p', createdBy: 'test' })).id;
    other = (await t.app.infra.jobs.create(jobSpecSchema.parse({}), undefined, { project: 'p', createdBy: 'test' })).id;
    sampleId = (await t.app.infra.artifacts.addSample(jobId, 1, PNG)).id;
    otherSample = (await t.app.infra.artifacts.addSample(other, 1, PNG)).id;
    await addGeneratorCheckpoint(t.app.infra.artifacts, jobId, 10);
  });
  after(() => t.close());

  test('the samples list, the checkpoints list and the job carry signed links that work without a key', async () => {
    const { token } = await createKey(t, { project: 'p', role: 'member' });
    const [sample] = body(await t.app.inject({ url: `/jobs/${jobId}/samples`, headers: bearer(token) })).samples;
    assert.match(sample.signedUrl, new RegExp(`^/s/\\d+\\.[A-Za-z0-9_-]{43}/samples/${sampleId}\\.png$`));
    const image = await t.app.inject({ url: sample.signedUrl });
    assert.equal(image.statusCode, 200);
    assert.equal(image.headers['content-type'], 'image/png');

    const job = body(await t.app.inject({ url: `/jobs/${jobId}`, headers: bearer(token) }));
    const model = await t.app.inject({ url: job.links.signedGenerator });
    assert.equal(model.statusCode, 200);
    const weightsPath = body(model).weightsManifest[0].paths[0];
    const weights = await t.app.inject({ url: job.links.signedGenerator.replace('model.json', weightsPath) });
    assert.equal(weights.statusCode, 200, 'the weights path resolves under the same signed prefix');
    const [checkpoint] = body(await t.app.inject({ url: `/jobs/${jobId}/checkpoints`, headers: bearer(token) })).checkpoints;
    assert.equal((await t.app.inject({ url: checkpoint.signedUrl })).statusCode, 200);
  });

  test('a tampered, expired or other job\'s signature is refused; a link opens nothing but artifacts', async () => {
    const links = t.app.services.links;
    const good = links.sign(jobId, `/samples/${sampleId}.png`);
    const tampered = good.replace(/\.(.)/, (_m, c: string) => `.${c === 'A' ? 'B' : 'A'}`);
    assertProblem(await t.app.inject({ url: tampered }), 401, 'UNAUTHORIZED');
    const expired = links.signUntil(jobId, `/samples/${sampleId}.png`, Math.floor(Date.now() / 1000) - 1);
    const res = await t.app.inject({ url: expired });
    assertProblem(res, 401, 'UNAUTHORIZED');
    assert.match(body(res).detail, /expired/);
    const prefix = good.slice(0, good.indexOf('/samples/'));
    assertProblem(await t.app.inject({ url: `${prefix}/samples/${otherSample}.png` }), 401, 'UNAUTHORIZED');
    assertProblem(await t.app.inject({ url: `${prefix}/jobs/${jobId}` }), 404, 'NOT_FOUND');
    assertProblem(await t.app.inject({ url: `${prefix}/jobs/${jobId}/samples` }), 404, 'NOT_FOUND');
    assertProblem(await t.app.inject({ method: 'DELETE', url: `${prefix}/jobs/${jobId}` }), 404, 'NOT_FOUND');
  });
});
