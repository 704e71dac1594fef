// GET /jobs/:id/metrics: paging by since/limit, averaging with every, CSV by ?format=csv or Accept, recorded-only reads.
import { metricNames } from '../../src/contract/job.js';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { LossPoint } from '../../src/contract/job.js';
import { body, startTestApp, type TestApp } from './test-app.js';

let t: TestApp;
let id: string;
// Values exact in float32, so JSON round trips compare equal.
const point = (i: number): LossPoint => ({ iteration: i, dLoss: i / 4, dAcc: 0.5, gLoss: 100 - i });

before(async () => {
  t = await startTestApp();
  id = body(await t.app.inject({ method: 'POST', url: '/jobs', payload: { iterations: 100 } })).id;
  // As a worker would: points written, then the completed iteration count recorded (points 11-12 are not yet).
  await t.app.infra.metrics.write(id, metricNames('gan'), Array.from({ length: 12 }, (_, i) => point(i + 1)));
  await t.app.infra.jobs.update(id, { status: 'running', iteration: 10 });
});
after(() => t.close());

test('pages through recorded points with since and limit', async () => {
  const first = body(await t.app.inject({ method: 'GET', url: `/jobs/${id}/metrics?limit=4` }));
  assert.equal(first.jobId, id);
  assert.deepEqual(first.points, [1, 2, 3, 4].map(point));
  assert.equal(first.nextSince, 4);
  const rest = body(await t.app.inject({ method: 'GET', url: `/jobs/${id}/metrics?since=${first.nextSince}` }));
  assert.deepEqual(rest.points, [5, 6, 7, 8, 9, 10].map(point));
  assert.equal(rest.nextSince, null);
  const none = body(await t.app.inject({ method: 'GET', url: `/jobs/${id}/metrics?since=10` }));
  assert.deepEqual(none, { jobId: id, names: ['dLoss', 'dAcc', 'gLoss'], points: [], nextSince: null });
});

test('every averages windows of iterations', async () => {
  const res = body(await t.app.inject({ method: 'GET', url: `/jobs/${id}/metrics?every=5` }));
  assert.deepEqual(res.points, [
    { iteration: 5, dLoss: 0.75, dAcc: 0.5, gLoss: 97 },
    { iteration: 10, dLoss: 2, dAcc: 0.5, gLoss: 92 },
  ]);
});

test('CSV with ?format=csv or Accept: text/csv', async () => {
  const res = await t.app.inject({ method: 'GET', url: `/jobs/${id}/metrics?format=csv&limit=2` });
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /^text\/csv/);
  assert.equal(res.body, 'iteration,dLoss,dAcc,gLoss\n1,0.25,0.5,99\n2,0.5,0.5,98\n');
  const accepted = await t.app.inject({ method: 'GET', url: `/jobs/${id}/metrics?since=9`, headers: { accept: 'text/csv' } });
  assert.equal(accepted.body, 'iteration,dLoss,dAcc,gLoss\n10,2.5,0.5,90\n');
  const json = await t.app.inject({ method: 'GET', url: `/jobs/${id}/metrics?limit=1`, headers: { accept: 'text/csv, application/json' } });
  assert.match(String(json.headers['content-type']), /^application\/json/);
  const empty = await t.app.inject({ method: 'GET', url: `/jobs/${id}/metrics?format=csv&since=10` });
  assert.equal(empty.body, 'iteration,dLoss,dAcc,gLoss\n');
});

test('a diverged loss is null in JSON and NaN in CSV', async () => {
  const other = body(await t.app.inject({ method: 'POST', url: '/jobs', payload: {} })).id;
  await t.app.infra.metrics.write(other, metricNames('gan'), [{ iteration: 1, dLoss: Number.NaN, dAcc: 0.5, gLoss: Number.POSITIVE_INFINITY }]);
  await t.app.infra.jobs.update(other, { iteration: 1, latest: { dLoss: Number.NaN, dAcc: 0.5, gLoss: 1 } });
  const json = await t.app.inject({ method: 'GET', url: `/jobs/${other}/metrics` });
  assert.equal(json.statusCode, 200);
  assert.deepEqual(body(json).points, [{ iteration: 1, dLoss: null, dAcc: 0.5, gLoss: null }]);
  const csv = await t.app.inject({ method: 'GET', url: `/jobs/${other}/metrics?format=csv` });
  assert.equal(csv.body, 'iteration,dLoss,dAcc,gLoss\n1,NaN,0.5,Infinity\n');
  assert.deepEqual(body(await t.app.inject({ method: 'GET', url: `/jobs/${other}` })).latest, { dLoss: null, dAcc: 0.5, gLoss: 1, quality: null });
});

test('a job with no metrics yet has no points', async () => {
  const other = body(await t.app.inject({ method: 'POST', url: '/jobs', payload: {} })).id;
  assert.deepEqual(body(await t.app.inject({ method: 'GET', url: `/jobs/${other}/metrics` })), { jobId: other, names: ['dLoss', 'dAcc', 'gLoss'], points: [], nextSince: null });
});
