// GET /metrics: Prometheus text with cluster figures read from Redis and request latencies by route pattern.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { ClusterStats, StepTimeRecorder } from '../../src/jobs/cluster-stats.js';
import { WorkerRegistry } from '../../src/jobs/worker-registry.js';
import { body, buildTestApp } from './test-app.js';

/** The value of one series, e.g. sample(text, 'ganforge_jobs{status="queued"}'). */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

test('GET /metrics: text format 0.0.4 with job, worker and step-time figures from Redis', async (ctx) => {
  const t = await buildTestApp(ctx);
  const { redis } = t.app.infra;
  const prefix = t.env.GANFORGE_PREFIX;
  const created = await t.app.inject({ method: 'POST', url: '/jobs', payload: { iterations: 10 } });
  assert.equal(created.statusCode, 201);
  const queued = await t.app.inject({ method: 'POST', url: '/jobs', payload: { iterations: 10 } });
  assert.equal((await t.app.inject({ method: 'POST', url: `/jobs/${body(queued).id}/cancel` })).statusCode, 202);

  // What workers write: counters, step times and a heartbeat.
  const stats = new ClusterStats(redis, prefix);
  await stats.countJob('started');
  await stats.countJob('completed');
  const steps = new StepTimeRecorder();
  for (const s of [0.004, 0.02, 0.03, 20]) steps.observe(s);
  await stats.addStepTimes(steps.take()!);
  await new WorkerRegistry(redis, prefix).beat({
    id: 'host-1:7:abc',
    hostname: 'host-1',
    pid: 7,
    backend: { name: 'wasm', provider: '@tensorflow/tfjs-backend-wasm' },
    job: { id: body(created).id, iteration: 5, itPerSec: 12.5 },
    startedAt: new Date().toISOString(),
  });

  const res = await t.app.inject({ method: 'GET', url: '/metrics' });
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
  const text = res.body;
  assert.equal(sample(text, 'ganforge_jobs{status="queued"}'), 1);
  assert.equal(sample(text, 'ganforge_jobs{status="cancelled"}'), 1);
  assert.equal(sample(text, 'ganforge_jobs_started_total'), 1);
  assert.equal(sample(text, 'ganforge_jobs_finished_total{status="completed"}'), 1);
  assert.equal(sample(text, 'ganforge_jobs_finished_total{status="cancelled"}'), 1, 'a queued job cancelled by the API counts');
  assert.equal(sample(text, 'ganforge_workers{backend="wasm"}'), 1);
  assert.equal(sample(text, 'ganforge_worker_iterations_per_second{worker="host-1:7:abc",hostname="host-1",backend="wasm"}'), 12.5);
  assert.match(text, /# TYPE ganforge_train_step_seconds histogram/);
  assert.equal(sample(text, 'ganforge_train_step_seconds_bucket{le="0.005"}'), 1);
  assert.equal(sample(text, 'ganforge_train_step_seconds_bucket{le="0.05"}'), 3, 'buckets are cumulative');
  assert.equal(sample(text, 'ganforge_train_step_seconds_bucket{le="10"}'), 3);
  assert.equal(sample(text, 'ganforge_train_step_seconds_bucket{le="+Inf"}'), 4);
  assert.equal(sample(text, 'ganforge_train_step_seconds_count'), 4);
  assert.ok(Math.abs(sample(text, 'ganforge_train_step_seconds_sum')! - 20.054) < 1e-9);
});

test('GET /metrics: request latency is labelled by route pattern, never by raw URL', async (ctx) => {
  const t = await buildTestApp(ctx);
  const id = randomUUID();
  assert.equal((await t.app.inject({ method: 'GET', url: `/jobs/${id}` })).statusCode, 404);
  await t.app.inject({ method: 'GET', url: `/jobs/${id}` });
  await t.app.inject({ method: 'GET', url: `/no/such/${id}` });
  await t.app.inject({ method: 'GET', url: '/healthz' });
  const text = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
  assert.equal(sample(text, 'ganforge_http_request_duration_seconds_count{method="GET",route="/jobs/:id",status_code="404"}'), 2);
  assert.equal(sample(text, 'ganforge_http_request_duration_seconds_count{method="GET",route="(unmatched)",status_code="404"}'), 1);
  assert.equal(sample(text, 'ganforge_http_request_duration_seconds_count{method="GET",route="/healthz",status_code="200"}'), 1);
  assert.ok(!text.includes(id), 'no raw URL (and so no id) in a label');
});
