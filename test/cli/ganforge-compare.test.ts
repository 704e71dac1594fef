// `ganforge compare`, and the quality lines of `status` and `watch`, against a real API on real Redis (records and
// quality points written through the stores, as the worker writes them).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { runGanforge, type CliRun } from '../helpers/ganforge-cli.js';
import { startTestApp, type TestApp } from '../api/test-app.js';
import type { QualityPoint, ScorerStatus } from '../../src/contract/quality.js';
import type { LossPoint } from '../../src/contract/job.js';

let t: TestApp;
let apiUrl: string;
before(async () => {
  t = await startTestApp();
  apiUrl = await t.listen();
});
after(() => t.close());

const ganforge = (args: string[], onStdout?: (all: string) => void): Promise<CliRun> =>
  runGanforge(args, { ...process.env, GANFORGE_API: apiUrl }, onStdout);

const point = (iteration: number, fd: number, is: number | null, labelAccuracy: number | null = null): QualityPoint => ({
  iteration,
  fd,
  is,
  labelAccuracy,
  n: 2000,
  scorer: 'classifier',
  seconds: 2,
  createdAt: new Date(Date.now() + iteration).toISOString(),
});

const scorer = (state: ScorerStatus['state'], extra: Partial<ScorerStatus> = {}): ScorerStatus => ({
  datasetHash: `h-${state}`,
  kind: 'classifier',
  state,
  progress: null,
  heldOutAccuracy: null,
  reference: null,
  reason: null,
  updatedAt: new Date().toISOString(),
  ...extra,
});

/** A job trained to `iterations` in `seconds`: its losses are `early` until the last 100 iterations, then `late`. */
async function trainedJob(name: string, model: 'gan' | 'wgan', iterations: number, seconds: number, early: Record<string, number>, late: Record<string, number>) {
  const res = await fetch(`${apiUrl}/jobs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, model, iterations }),
  });
  assert.equal(res.status, 201);
  const id = ((await res.json()) as { id: string }).id;
  const names = Object.keys(late);
  const points: LossPoint[] = Array.from({ length: iterations }, (_, i) => ({ iteration: i + 1, ...(i < iterations - 100 ? early : late) }));
  await t.app.infra.metrics.write(id, names, points);
  const startedAt = new Date(Date.UTC(2026, 0, 1));
  await t.app.infra.jobs.update(id, {
    status: 'completed',
    iteration: iterations,
    latest: late,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date(startedAt.getTime() + seconds * 1000).toISOString(),
  });
  return id;
}

test('compare prints one row per job in the order given: losses of the last 100 iterations, best FD, final IS, it/s, duration', async () => {
  const a = await trainedJob('seed gan', 'gan', 300, 60, { dLoss: 2, dAcc: 0.25, gLoss: 4 }, { dLoss: 0.5, dAcc: 0.75, gLoss: 1.5 });
  const b = await trainedJob('critic', 'wgan', 200, 100, { dLoss: -8, gLoss: 8 }, { dLoss: -0.25, gLoss: 0.5 });
  for (const p of [point(100, 40, 5), point(200, 12.5, 8.25), point(300, 20, 7.5)]) await t.app.infra.quality.writePoint(a, p);

  const run = await ganforge(['compare', b, a]);
  assert.equal(run.code, 0, run.stderr);
  const [header, first, second, ...rest] = run.stdout.trimEnd().split('\n');
  assert.deepEqual(rest, []);
  assert.match(header!, /^ID\s+NAME\s+MODEL\s+DATASET\s+ITERS\s+LOSSES \(mean of last 100\)\s+BEST FD\s+FINAL IS\s+IT\/S\s+DURATION$/);
  assert.match(first!, new RegExp(`^${b.slice(0, 8)}\\s+critic\\s+wgan\\s+mnist\\s+200\\s+D -0\\.250  G 0\\.500\\s+-\\s+-\\s+2\\.0\\s+1m40s$`));
  assert.match(second!, new RegExp(`^${a.slice(0, 8)}\\s+seed gan\\s+gan\\s+mnist\\s+300\\s+D 0\\.500  acc 75%  G 1\\.500\\s+12\\.50 @ 200\\s+7\\.50\\s+5\\.0\\s+1m00s$`));

  const json = await ganforge(['compare', a, b, '--json']);
  assert.equal(json.code, 0, json.stderr);
  const rows = JSON.parse(json.stdout) as { id: string; finalLosses: Record<string, number>; bestFd: unknown; finalIs: number | null }[];
  assert.deepEqual(rows.map((r) => r.id), [a, b]);
  assert.deepEqual(rows[0]!.finalLosses, { dLoss: 0.5, dAcc: 0.75, gLoss: 1.5 });
  assert.deepEqual(rows[0]!.bestFd, { fd: 12.5, iteration: 200 });
  assert.equal(rows[1]!.finalIs, null);
});

test('compare refuses in one line: too few or too many ids, a malformed or repeated id, an unknown job', async () => {
  const id = await trainedJob('one', 'gan', 150, 10, { dLoss: 1, dAcc: 0.5, gLoss: 1 }, { dLoss: 1, dAcc: 0.5, gLoss: 1 });
  const unknown = '00000000-0000-4000-8000-000000000000';
  const cases: [string[], number, RegExp][] = [
    [['compare', id], 2, /compare: needs 2 to 8 job IDs, got 1/],
    [['compare', ...Array.from({ length: 9 }, (_, i) => `00000000-0000-4000-8000-00000000000${i}`)], 2, /at most 8 job IDs, got 9/],
    [['compare', id, 'nope'], 2, /compare: "nope" is not a job ID/],
    [['compare', id, id], 2, /is named twice/],
    [['compare', id, unknown], 1, new RegExp(`404 Not Found: no job ${unknown}`)],
  ];
  for (const [args, code, message] of cases) {
    const run = await ganforge(args);
    assert.equal(run.code, code, `${args.join(' ')}: ${run.stderr}`);
    assert.match(run.stderr, message);
    assert.equal(run.stderr.trimEnd().split('\n').length, 1, run.stderr);
    assert.equal(run.stdout, '');
  }
});

test("status shows the newest quality point and the classifier, or what the scorer is waiting for", async () => {
  const id = await trainedJob('scored', 'gan', 150, 10, { dLoss: 1, dAcc: 0.5, gLoss: 1 }, { dLoss: 1, dAcc: 0.5, gLoss: 1 });
  const quality = () => ganforge(['status', id]).then((r) => r.stdout.split('\n').find((l) => l.startsWith('quality')));

  assert.equal(await quality(), 'quality   not scored yet (no checkpoint scored)');
  await t.app.infra.quality.setJobScorer(id, 'h-training');
  await t.app.infra.quality.setScorer(scorer('training', { progress: { done: 3, total: 5 } }));
  assert.equal(await quality(), 'quality   waiting for the classifier (training 3/5)');

  await t.app.infra.quality.setJobScorer(id, 'h-ready');
  await t.app.infra.quality.setScorer(scorer('ready', { heldOutAccuracy: 0.986 }));
  await t.app.infra.quality.writePoint(id, point(100, 30, 6));
  await t.app.infra.quality.writePoint(id, point(150, 12.3, 8.1, 0.975));
  assert.equal(await quality(), 'quality   FD 12.30  IS 8.10  labels 97.5% at 150 (classifier 98.6% held-out)');

  await t.app.infra.quality.setJobScorer(id, 'h-failed');
  await t.app.infra.quality.setScorer(scorer('failed', { reason: 'out of memory' }));
  assert.match((await quality())!, /the scorer failed: out of memory$/);
  const losses = (await ganforge(['status', id])).stdout.split('\n').find((l) => l.startsWith('losses'));
  assert.equal(losses, 'losses    D 1.000  acc 50%  G 1.000', 'the quality point is not listed among the losses');
});

test('watch prints a line per new quality point (iteration, FD, IS, label accuracy) and not the ones before it began', async () => {
  const res = await fetch(`${apiUrl}/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ iterations: 3000 }) });
  const id = ((await res.json()) as { id: string }).id;
  const old = point(1000, 50, 3);
  await t.app.infra.quality.writePoint(id, old);
  const latest = { dLoss: 0.5, dAcc: 0.5, gLoss: 1 };
  await t.app.infra.jobs.update(id, { status: 'running', iteration: 1500, latest, startedAt: new Date().toISOString() });

  let started!: () => void;
  const watching = new Promise<void>((resolve) => (started = resolve));
  const run = ganforge(['watch', id], (all) => {
    if (all.includes('watching')) started();
  });
  await watching;
  // A replayed older point (same createdAt as the one the job had when the watch began) is not news; new ones are.
  await t.app.infra.events.append(id, 'quality', old);
  await t.app.infra.events.append(id, 'quality', { ...point(2000, 21.5, 6.25, 0.9), createdAt: new Date(Date.now() + 60_000).toISOString() });
  await t.app.infra.jobs.update(id, { status: 'completed', iteration: 3000, finishedAt: new Date().toISOString() });
  await t.app.infra.events.append(id, 'status', { status: 'completed', error: null });
  const done = await run;
  assert.equal(done.code, 0, done.stderr);
  const lines = done.stdout.split('\n').filter((l) => l.startsWith('quality'));
  assert.deepEqual(lines, ['quality    iteration 2000  FD 21.50  IS 6.25  labels 90.0%']);
});
