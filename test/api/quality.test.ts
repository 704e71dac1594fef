// GET /jobs/:id/quality, latest.quality in job responses and GET /jobs?ids= against real Redis, with two projects' keys.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_TOKEN, assertProblem, bearer, body, createKey, startTestApp, type TestApp } from './test-app.js';
import type { QualityPoint, ScorerStatus } from '../../src/contract/quality.js';

const point = (iteration: number, fd: number): QualityPoint => ({
  iteration,
  fd,
  is: 8 - fd / 10,
  labelAccuracy: null,
  n: 2000,
  scorer: 'classifier',
  seconds: 1.5,
  createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, iteration / 100)).toISOString(),
});

describe('quality and compare reads', () => {
  let t: TestApp;
  let alice: { token: string };
  let bob: { token: string };
  before(async () => {
    t = await startTestApp({ GANFORGE_ADMIN_TOKEN: ADMIN_TOKEN });
    alice = await createKey(t, { project: 'alpha', role: 'member' });
    bob = await createKey(t, { project: 'beta', role: 'member' });
  });
  after(() => t.close());

  const create = async (token: string, name: string) => {
    const res = await t.app.inject({ method: 'POST', url: '/jobs', headers: bearer(token), payload: { iterations: 5000, name } });
    assert.equal(res.statusCode, 201, res.body);
    return body(res).id as string;
  };
  const get = (token: string, url: string) => t.app.inject({ url, headers: bearer(token) });

  test('GET /jobs/:id/quality answers the points by iteration and the scorer state; latest.quality is the newest point', async () => {
    const id = await create(alice.token, 'scored');
    const empty = await get(alice.token, `/jobs/${id}/quality`);
    assert.equal(empty.statusCode, 200, empty.body);
    assert.deepEqual(body(empty), { jobId: id, scorer: null, points: [] });

    // Written as the worker writes them, out of order: the API sorts by iteration.
    for (const p of [point(2000, 30), point(1000, 60), point(3000, 12.5)]) await t.app.infra.quality.writePoint(id, p);
    const scorer: ScorerStatus = {
      datasetHash: 'h-mnist',
      kind: 'classifier',
      state: 'training',
      progress: { done: 3, total: 5 },
      heldOutAccuracy: null,
      reference: null,
      reason: null,
      updatedAt: new Date().toISOString(),
    };
    await t.app.infra.quality.setScorer(scorer);
    await t.app.infra.quality.setJobScorer(id, 'h-mnist');
    const got = body(await get(alice.token, `/jobs/${id}/quality`));
    assert.deepEqual(got.points.map((p: QualityPoint) => p.iteration), [1000, 2000, 3000]);
    assert.deepEqual(got.points[2], point(3000, 12.5));
    assert.deepEqual(got.scorer, scorer);

    // Before the first iteration `latest` is null; once losses exist it carries them and the newest point.
    await t.app.infra.jobs.update(id, { iteration: 3100, latest: { dLoss: 0.5, dAcc: 0.75, gLoss: 1.5 } });
    const job = body(await get(alice.token, `/jobs/${id}`));
    assert.deepEqual(job.latest, { dLoss: 0.5, dAcc: 0.75, gLoss: 1.5, quality: point(3000, 12.5) });
    const listed = body(await get(alice.token, '/jobs')).jobs.find((j: { id: string }) => j.id === id);
    assert.deepEqual(listed.latest.quality, point(3000, 12.5), 'lists carry it too');
  });

  test("another project's key gets 404 for a job's quality; an unknown job is 404 problem+json", async () => {
    const id = await create(alice.token, 'private');
    await t.app.infra.quality.writePoint(id, point(1000, 40));
    assertProblem(await get(bob.token, `/jobs/${id}/quality`), 404, 'NOT_FOUND');
    assertProblem(await get(alice.token, '/jobs/00000000-0000-4000-8000-000000000000/quality'), 404, 'NOT_FOUND');
    assertProblem(await get(alice.token, '/jobs/not-a-job/quality'), 404, 'NOT_FOUND');
  });

  test('a job without losses or points has latest null; with losses and no point, latest.quality is null', async () => {
    const id = await create(alice.token, 'fresh');
    assert.equal(body(await get(alice.token, `/jobs/${id}`)).latest, null);
    await t.app.infra.jobs.update(id, { iteration: 10, latest: { dLoss: 0.1, dAcc: 1, gLoss: 2 } });
    assert.deepEqual(body(await get(alice.token, `/jobs/${id}`)).latest, { dLoss: 0.1, dAcc: 1, gLoss: 2, quality: null });
  });

  test('GET /jobs?ids= answers those jobs in the order asked, with their latest quality', async () => {
    const a = await create(alice.token, 'a');
    const b = await create(alice.token, 'b');
    const c = await create(alice.token, 'c');
    await t.app.infra.quality.writePoint(b, point(1000, 20));
    await t.app.infra.jobs.update(b, { iteration: 1000, latest: { dLoss: 0.5, dAcc: 0.5, gLoss: 1 } });
    const res = await get(alice.token, `/jobs?ids=${c},${a},${b}`);
    assert.equal(res.statusCode, 200, res.body);
    const page = body(res);
    assert.deepEqual(page.jobs.map((j: { name: string }) => j.name), ['c', 'a', 'b']);
    assert.equal(page.nextCursor, null);
    assert.equal(page.jobs[2].latest.quality.fd, 20);
    assert.deepEqual(body(await get(alice.token, `/jobs?ids=${b}`)).jobs.map((j: { id: string }) => j.id), [b], 'one id is fine');
  });

  test('GET /jobs?ids=: an unknown or other project\'s id is 404 naming it; bad ids are 400 naming query.ids', async () => {
    const mine = await create(alice.token, 'mine');
    const theirs = await create(bob.token, 'theirs');
    const unknown = '00000000-0000-4000-8000-000000000000';
    const notFound = await get(alice.token, `/jobs?ids=${mine},${unknown}`);
    assertProblem(notFound, 404, 'NOT_FOUND');
    assert.match(body(notFound).detail, new RegExp(unknown));
    assertProblem(await get(alice.token, `/jobs?ids=${mine},${theirs}`), 404, 'NOT_FOUND');

    const nine = Array.from({ length: 9 }, (_, i) => `00000000-0000-4000-8000-00000000000${i}`).join(',');
    for (const ids of [nine, `${mine},nope`, `${mine},${mine}`, '', `${mine},`]) {
      const res = await get(alice.token, `/jobs?ids=${encodeURIComponent(ids)}`);
      assertProblem(res, 400, 'VALIDATION_FAILED');
      assert.deepEqual(body(res).errors.map((e: { path: string }) => e.path), ['query.ids'], `${ids}: ${res.body}`);
    }
    const eight = Array.from({ length: 8 }, () => mine);
    assert.match(body(await get(alice.token, `/jobs?ids=${eight.join(',')}`)).errors[0].message, /named twice/);
  });
});
