// API keys and projects against real Redis: 401/403/404 by key, role and project, revocation across replicas,
// failed attempts limited, the creator recorded, idempotency per project, an audit line per write.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { ADMIN_TOKEN, assertProblem, bearer, body, createKey, startTestApp, type TestApp } from './test-app.js';

const METRICS_TOKEN = 'metrics-scrape-token-'.padEnd(40, 'm');
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);


describe('open mode (no admin token, no keys)', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
  });
  after(() => t.close());

  test('requests without a credential pass and jobs belong to the default project', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/jobs', payload: { iterations: 5 } });
    assert.equal(res.statusCode, 201);
    assert.equal(body(res).project, 'default');
    assert.equal(body(res).createdBy, 'open');
    assert.equal((await t.app.inject({ url: '/workers' })).statusCode, 200);
  });

  test('a wrong token is refused even while open', async () => {
    assertProblem(await t.app.inject({ url: '/jobs', headers: bearer('gf_nope') }), 401, 'UNAUTHORIZED');
  });

  test('the first key turns authentication on', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/keys', payload: { project: 'default', role: 'admin' } });
    assert.equal(res.statusCode, 201);
    assertProblem(await t.app.inject({ url: '/jobs' }), 401, 'UNAUTHORIZED');
    assert.equal((await t.app.inject({ url: '/jobs', headers: bearer(body(res).token) })).statusCode, 200);
  });
});

describe('with GANFORGE_ADMIN_TOKEN and keys', () => {
  let t: TestApp;
  let replica: TestApp;
  /** A replica with the queue board and a metrics token. */
  let board: TestApp;
  before(async () => {
    t = await startTestApp({ GANFORGE_ADMIN_TOKEN: ADMIN_TOKEN, GANFORGE_AUTH_FAILURE_MAX: '3' });
    replica = await startTestApp({ GANFORGE_ADMIN_TOKEN: ADMIN_TOKEN, GANFORGE_PREFIX: t.env.GANFORGE_PREFIX });
    board = await startTestApp({
      GANFORGE_ADMIN_TOKEN: ADMIN_TOKEN,
      GANFORGE_PREFIX: t.env.GANFORGE_PREFIX,
      GANFORGE_QUEUE_BOARD: 'true',
      GANFORGE_METRICS_TOKEN: METRICS_TOKEN,
    });
  });
  after(async () => {
    await replica.app.close();
    await board.app.close();
    await t.close();
  });

  test('every route but the probes needs a key: 401 problem+json with WWW-Authenticate', async () => {
    for (const url of ['/jobs', `/jobs/${randomUUID()}`, '/workers', '/metrics', '/keys']) {
      const res = await t.app.inject({ url });
      assertProblem(res, 401, 'UNAUTHORIZED');
      assert.equal(res.headers['www-authenticate'], 'Bearer realm="ganforge"');
    }
    assertProblem(await t.app.inject({ method: 'POST', url: '/jobs', payload: {} }), 401, 'UNAUTHORIZED');
    assert.equal((await t.app.inject({ url: '/healthz' })).statusCode, 200);
    assert.equal((await t.app.inject({ url: '/readyz' })).statusCode, 200);
  });

  test('POST /keys shows the token once; Redis keeps only its hash; GET /keys never shows it', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/keys', headers: bearer(ADMIN_TOKEN), payload: { project: 'alpha', role: 'member', name: 'ci' } });
    assert.equal(res.statusCode, 201);
    const key = body(res);
    assert.match(key.token, /^gf_[A-Za-z0-9_-]{43}$/, '256 random bits behind the prefix');
    assert.deepEqual({ ...key, id: 'x', token: 'x', createdAt: 'x' }, { id: 'x', token: 'x', createdAt: 'x', project: 'alpha', role: 'member', name: 'ci' });
    const listed = body(await t.app.inject({ url: '/keys', headers: bearer(ADMIN_TOKEN) })).keys;
    const mine = listed.find((k: { id: string }) => k.id === key.id);
    assert.deepEqual(Object.keys(mine).sort(), ['createdAt', 'id', 'name', 'project', 'role']);
    const dump = JSON.stringify(await t.app.infra.redis.hgetall(`${t.env.GANFORGE_PREFIX}:gf:apikeys`));
    assert.ok(!dump.includes(key.token.slice(3)), 'the token is not stored');
  });

  test('POST /keys checks its body', async () => {
    for (const payload of [{ project: 'Alpha', role: 'member' }, { project: 'a', role: 'owner' }, { project: 'a', role: 'member', extra: 1 }, { project: 'a', role: 'member', name: 'a\u202eb' }]) {
      assertProblem(await t.app.inject({ method: 'POST', url: '/keys', headers: bearer(ADMIN_TOKEN), payload }), 400, 'VALIDATION_FAILED');
    }
  });

  test('a member may not manage keys nor read /workers, /metrics', async () => {
    const { token } = await createKey(t, { project: 'alpha', role: 'member' });
    for (const [method, url] of [['GET', '/keys'], ['POST', '/keys'], ['GET', '/workers'], ['GET', '/metrics']] as const) {
      assertProblem(await t.app.inject({ method, url, headers: bearer(token), payload: method === 'POST' ? { project: 'a', role: 'admin' } : undefined }), 403, 'FORBIDDEN');
    }
    const admin = await createKey(t, { project: 'alpha', role: 'admin' });
    assert.equal((await t.app.inject({ url: '/workers', headers: bearer(admin.token) })).statusCode, 200);
    assert.equal((await t.app.inject({ url: '/metrics', headers: bearer(admin.token) })).statusCode, 200);
  });

  test('the queue board answers admins only; the metrics token reads /metrics and nothing else', async () => {
    const member = await createKey(t, { project: 'alpha', role: 'member' });
    const admin = await createKey(t, { project: 'alpha', role: 'admin' });
    assertProblem(await board.app.inject({ url: '/admin/queues' }), 401, 'UNAUTHORIZED');
    assertProblem(await board.app.inject({ url: '/admin/queues/api/queues', headers: bearer(member.token) }), 403, 'FORBIDDEN');
    assert.equal((await board.app.inject({ url: '/admin/queues/api/queues', headers: bearer(admin.token) })).statusCode, 200);
    assert.equal((await board.app.inject({ url: '/metrics', headers: bearer(METRICS_TOKEN) })).statusCode, 200);
    assertProblem(await board.app.inject({ url: '/jobs', headers: bearer(METRICS_TOKEN) }), 403, 'FORBIDDEN');
    assertProblem(await board.app.inject({ url: '/workers', headers: bearer(METRICS_TOKEN) }), 403, 'FORBIDDEN');
  });

  test("another project's jobs answer 404 everywhere and are absent from its lists; the creator is recorded", async () => {
    const alice = await createKey(t, { project: 'alpha', role: 'member' });
    const bob = await createKey(t, { project: 'beta', role: 'member' });
    const created = await t.app.inject({ method: 'POST', url: '/jobs', headers: bearer(alice.token), payload: { iterations: 5 } });
    assert.equal(created.statusCode, 201);
    const job = body(created);
    assert.equal(job.project, 'alpha');
    assert.equal(job.createdBy, alice.id);
    const sample = await t.app.infra.artifacts.addSample(job.id, 1, PNG);

    assert.equal((await t.app.inject({ url: `/jobs/${job.id}`, headers: bearer(alice.token) })).statusCode, 200);
    assert.equal((await t.app.inject({ url: `/samples/${sample.id}.png`, headers: bearer(alice.token) })).statusCode, 200);
    const reads = ['', '/metrics', '/samples', '/checkpoints', '/generator/model.json', '/events?from=start'];
    for (const suffix of reads) assertProblem(await t.app.inject({ url: `/jobs/${job.id}${suffix}`, headers: bearer(bob.token) }), 404, 'NOT_FOUND');
    assertProblem(await t.app.inject({ url: `/samples/${sample.id}.png`, headers: bearer(bob.token) }), 404, 'NOT_FOUND');
    for (const [method, suffix] of [['POST', '/cancel'], ['POST', '/resume'], ['DELETE', '']] as const) {
      assertProblem(await t.app.inject({ method, url: `/jobs/${job.id}${suffix}`, headers: bearer(bob.token) }), 404, 'NOT_FOUND');
    }
    assert.equal((await t.app.infra.jobs.get(job.id))?.status, 'queued', 'nothing happened to it');
    const bobs = body(await t.app.inject({ url: '/jobs', headers: bearer(bob.token) })).jobs;
    assert.ok(!bobs.some((j: { id: string }) => j.id === job.id));
    const alices = body(await t.app.inject({ url: '/jobs', headers: bearer(alice.token) })).jobs;
    assert.deepEqual(alices.map((j: { id: string }) => j.id), [job.id]);
    // The bootstrap admin is in the admin project (default), not in alpha.
    assertProblem(await t.app.inject({ url: `/jobs/${job.id}`, headers: bearer(ADMIN_TOKEN) }), 404, 'NOT_FOUND');
  });

  test('an Idempotency-Key belongs to its project', async () => {
    const a = await createKey(t, { project: 'gamma', role: 'member' });
    const b = await createKey(t, { project: 'delta', role: 'member' });
    const key = randomUUID();
    const post = (token: string) =>
      t.app.inject({ method: 'POST', url: '/jobs', headers: { ...bearer(token), 'idempotency-key': key }, payload: { iterations: 5 } });
    const first = body(await post(a.token));
    const other = await post(b.token);
    assert.equal(other.statusCode, 201);
    assert.notEqual(body(other).id, first.id, 'no replay of another project\'s response');
    assert.equal(body(await post(a.token)).id, first.id, 'the same project replays');
  });

  test('DELETE /keys/{id} revokes at once on every replica', async () => {
    const { id, token } = await createKey(t, { project: 'alpha', role: 'member' });
    assert.equal((await replica.app.inject({ url: '/jobs', headers: bearer(token) })).statusCode, 200);
    assert.equal((await t.app.inject({ method: 'DELETE', url: `/keys/${id}`, headers: bearer(ADMIN_TOKEN) })).statusCode, 204);
    assertProblem(await replica.app.inject({ url: '/jobs', headers: bearer(token) }), 401, 'UNAUTHORIZED');
    assertProblem(await t.app.inject({ method: 'DELETE', url: `/keys/${id}`, headers: bearer(ADMIN_TOKEN) }), 404, 'NOT_FOUND');
  });

  test('failed attempts are limited per client: 429 with Retry-After, even for a good token', async () => {
    const ip = '203.0.113.9';
    for (let i = 0; i < 3; i++) assertProblem(await t.app.inject({ url: '/jobs', remoteAddress: ip, headers: bearer(`gf_guess${i}`) }), 401, 'UNAUTHORIZED');
    const limited = await t.app.inject({ url: '/jobs', remoteAddress: ip, headers: bearer(ADMIN_TOKEN) });
    assertProblem(limited, 429, 'RATE_LIMITED');
    assert.ok(Number(limited.headers['retry-after']) >= 1);
    assert.equal((await t.app.inject({ url: '/jobs', remoteAddress: '203.0.113.10', headers: bearer(ADMIN_TOKEN) })).statusCode, 200, 'other clients are not affected');
  });
});

test('each write leaves one audit line naming the key, the route and the status', async () => {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  const t = await startTestApp({ GANFORGE_ADMIN_TOKEN: ADMIN_TOKEN }, { logger: { level: 'info', stream } });
  try {
    const { id, token } = await createKey(t, { project: 'alpha', role: 'member' });
    const job = body(await t.app.inject({ method: 'POST', url: '/jobs', headers: bearer(token), payload: { iterations: 5 } }));
    await t.app.inject({ url: `/jobs/${job.id}`, headers: bearer(token) });
    await t.app.inject({ method: 'POST', url: `/jobs/${job.id}/cancel`, headers: bearer(token) });
    const audits = lines.filter((l) => l.msg === 'audit').map((l) => l.audit as Record<string, unknown>);
    assert.deepEqual(
      audits.map((a) => [a.method, a.route, a.status, a.project, a.keyId]),
      [
        ['POST', '/keys', 201, 'default', null],
        ['POST', '/jobs', 201, 'alpha', id],
        ['POST', '/jobs/:id/cancel', 202, 'alpha', id],
      ],
    );
  } finally {
    await t.close();
  }
});
