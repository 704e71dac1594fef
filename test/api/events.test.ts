// GET /jobs/:id/events over a real socket: replay, Last-Event-ID resume, ?from=now, live follow, end on terminal status, close.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { body, startTestApp, type TestApp } from './test-app.js';
import { connect } from '../helpers/sse.js';
import { waitUntil } from '../helpers/processes.js';

let t: TestApp;
let base: string;
before(async () => {
  t = await startTestApp();
  base = await t.listen();
});
after(() => t.close());

async function finishedJob(): Promise<{ id: string; ids: string[] }> {
  const id = body(await t.app.inject({ method: 'POST', url: '/jobs', payload: {} })).id;
  const ev = t.app.infra.events;
  const ids = [
    await ev.append(id, 'progress', { iteration: 1, iterations: 2, itPerSec: 10, etaSeconds: 0 }),
    await ev.append(id, 'metrics', { points: [{ iteration: 1, dLoss: 1, dAcc: 0.5, gLoss: 2 }] }),
    await ev.append(id, 'status', { status: 'completed', error: null }),
  ];
  await t.app.infra.jobs.update(id, { status: 'completed' });
  return { id, ids };
}

test('a finished job replays every event, then the stream ends', async () => {
  const { id, ids } = await finishedJob();
  const c = await connect(base, `/jobs/${id}/events`);
  assert.equal(c.status, 200);
  assert.match(String(c.headers['content-type']), /^text\/event-stream/);
  assert.equal(c.headers['cache-control'], 'no-cache');
  assert.ok(c.headers['x-request-id']);
  await c.ended;
  assert.deepEqual(c.events.map((e) => e.id), ids);
  assert.deepEqual(c.events.map((e) => e.event), ['progress', 'metrics', 'status']);
  assert.deepEqual(c.events[2]!.data, { status: 'completed', error: null });
});

test('Last-Event-ID resumes after that event; nothing left is 204', async () => {
  const { id, ids } = await finishedJob();
  const c = await connect(base, `/jobs/${id}/events`, { 'last-event-id': ids[0]! });
  await c.ended;
  assert.deepEqual(c.events.map((e) => e.id), ids.slice(1));
  const done = await connect(base, `/jobs/${id}/events`, { 'last-event-id': ids[2]! });
  assert.equal(done.status, 204);
  await done.ended;
});

test('a live job is followed until its terminal status event', async () => {
  const id = body(await t.app.inject({ method: 'POST', url: '/jobs', payload: {} })).id;
  await t.app.infra.jobs.update(id, { status: 'running' });
  const first = await t.app.infra.events.append(id, 'progress', { iteration: 1, iterations: 9, itPerSec: 1, etaSeconds: 8 });
  const c = await connect(base, `/jobs/${id}/events`);
  await c.waitFor(1);
  assert.equal(c.events[0]!.id, first);
  await t.app.infra.events.append(id, 'sample', { id: 'x', iteration: 2, url: '/samples/x.png', createdAt: new Date().toISOString() });
  await c.waitFor(2);
  assert.equal(c.events[1]!.event, 'sample');
  await t.app.infra.events.append(id, 'status', { status: 'failed', error: 'out of memory' });
  await t.app.infra.jobs.update(id, { status: 'failed', error: 'out of memory' });
  await c.ended;
  assert.deepEqual(c.events.map((e) => e.event), ['progress', 'sample', 'status']);
});

test('?from=now sends only events appended after the request, and opens with the id it starts after', async () => {
  const id = body(await t.app.inject({ method: 'POST', url: '/jobs', payload: {} })).id;
  await t.app.infra.jobs.update(id, { status: 'running' });
  const ev = t.app.infra.events;
  await ev.append(id, 'status', { status: 'running', error: null });
  const past = await ev.append(id, 'progress', { iteration: 5, iterations: 9, itPerSec: 1, etaSeconds: 4 });
  const c = await connect(base, `/jobs/${id}/events?from=now`);
  assert.equal(c.status, 200);
  const later = [
    await ev.append(id, 'sample', { id: 'y', iteration: 6, url: '/samples/y.png', createdAt: new Date().toISOString() }),
    await ev.append(id, 'status', { status: 'completed', error: null }),
  ];
  await t.app.infra.jobs.update(id, { status: 'completed' });
  await c.ended;
  assert.deepEqual(c.events.map((e) => e.id), later);
  // Before its first event the stream named its position: a reconnect from there would miss nothing.
  const resumed = await connect(base, `/jobs/${id}/events?from=now`, { 'last-event-id': past });
  await resumed.ended;
  assert.deepEqual(resumed.events.map((e) => e.id), later, 'Last-Event-ID wins over from=now');
});

test('?from=now: a reconnect with the id it opened with gets what came between; a finished job is 204', async () => {
  const id = body(await t.app.inject({ method: 'POST', url: '/jobs', payload: {} })).id;
  const first = await connect(base, `/jobs/${id}/events?from=now`);
  // No event yet: the stream starts before the first one.
  assert.equal(await waitUntil(async () => first.lastEventId, 5000, 'the opening id line'), '0-0');
  first.close();
  const missed = await t.app.infra.events.append(id, 'status', { status: 'running', error: null });
  const again = await connect(base, `/jobs/${id}/events?from=now`, { 'last-event-id': first.lastEventId! });
  await again.waitFor(1);
  assert.equal(again.events[0]!.id, missed);
  again.close();

  const finished = await finishedJob();
  const done = await connect(base, `/jobs/${finished.id}/events?from=now`);
  assert.equal(done.status, 204);
  await done.ended;
  // from=start is the default: the whole stream again.
  const all = await connect(base, `/jobs/${finished.id}/events?from=start`);
  await all.ended;
  assert.deepEqual(all.events.map((e) => e.id), finished.ids);
});

test('a bad ?from is 400 problem+json naming the field; an unknown job is 404 either way', async () => {
  const { id } = await finishedJob();
  const res = await t.app.inject({ method: 'GET', url: `/jobs/${id}/events?from=end` });
  assert.equal(res.statusCode, 400);
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
  assert.equal(body(res).code, 'VALIDATION_FAILED');
  assert.deepEqual(body(res).errors.map((e: { path: string }) => e.path), ['query.from']);
  const missing = await t.app.inject({ method: 'GET', url: '/jobs/00000000-0000-4000-8000-000000000000/events?from=now' });
  assert.equal(missing.statusCode, 404);
  assert.equal(body(missing).code, 'NOT_FOUND');
});

test('cancelling a queued job ends its open streams', async () => {
  const id = body(await t.app.inject({ method: 'POST', url: '/jobs', payload: {} })).id;
  const c = await connect(base, `/jobs/${id}/events`);
  assert.equal((await t.app.inject({ method: 'POST', url: `/jobs/${id}/cancel` })).statusCode, 202);
  await c.ended;
  assert.deepEqual(c.events.map((e) => e.data), [{ status: 'cancelled', error: null }]);
});

test('a stream whose client hangs up is cleaned up', async () => {
  const id = body(await t.app.inject({ method: 'POST', url: '/jobs', payload: {} })).id;
  await t.app.infra.events.append(id, 'progress', { iteration: 0, iterations: 1, itPerSec: null, etaSeconds: null });
  const c = await connect(base, `/jobs/${id}/events`);
  await c.waitFor(1);
  c.close();
  // The server notices within a poll: no open connection remains.
  const open = () => new Promise<number>((r) => t.app.server.getConnections((_, n) => r(n)));
  await waitUntil(async () => (await open()) === 0, 10_000, 'the connection to close');
});

// A close that waited for the stream would never return: the timeout is a guard against a hang, not a bound.
test('app.close() ends open streams instead of waiting for them', { timeout: 30_000 }, async () => {
  const own = await startTestApp();
  const ownBase = await own.listen();
  const id = body(await own.app.inject({ method: 'POST', url: '/jobs', payload: {} })).id;
  const c = await connect(ownBase, `/jobs/${id}/events`);
  await own.close();
  await c.ended;
});

test('a resumed job: a replay goes past the earlier terminal status to the final one; Last-Event-ID at the end is 204', async () => {
  const { id, ids } = await finishedJob();
  const ev = t.app.infra.events;
  // What POST /jobs/:id/resume and the worker then write.
  await t.app.infra.jobs.update(id, { status: 'queued' });
  const more = [await ev.append(id, 'status', { status: 'queued', error: null })];
  const live = await connect(base, `/jobs/${id}/events`, { 'last-event-id': ids[2]! });
  assert.equal(live.status, 200, 'after the old terminal status there is more: no 204');
  await live.waitFor(1);
  await t.app.infra.jobs.update(id, { status: 'running' });
  more.push(await ev.append(id, 'status', { status: 'running', error: null, resumedFrom: 1 }));
  more.push(await ev.append(id, 'progress', { iteration: 2, iterations: 2, itPerSec: 10, etaSeconds: 0 }));
  more.push(await ev.append(id, 'status', { status: 'completed', error: null }));
  await t.app.infra.jobs.update(id, { status: 'completed' });
  await live.ended;
  assert.deepEqual(live.events.map((e) => e.id), more, 'the live follower ends on the final status');

  const replay = await connect(base, `/jobs/${id}/events`);
  await replay.ended;
  assert.deepEqual(replay.events.map((e) => e.id), [...ids, ...more]);
  assert.deepEqual(
    replay.events.filter((e) => e.event === 'status').map((e) => (e.data as { status: string }).status),
    ['completed', 'queued', 'running', 'completed'],
  );
  const fromOld = await connect(base, `/jobs/${id}/events`, { 'last-event-id': ids[1]! });
  await fromOld.ended;
  assert.deepEqual(fromOld.events.map((e) => e.id), [ids[2], ...more]);
  const done = await connect(base, `/jobs/${id}/events`, { 'last-event-id': more[more.length - 1]! });
  assert.equal(done.status, 204);
  await done.ended;
});

test('a stream that replays a finished job keeps following when the job is resumed meanwhile', async () => {
  const { id, ids } = await finishedJob();
  const ev = t.app.infra.events;
  await t.app.infra.jobs.update(id, { status: 'queued' });
  const queued = await ev.append(id, 'status', { status: 'queued', error: null });
  // The replay reaches the `queued` and the job is not over: the stream stays open for the new run.
  const c = await connect(base, `/jobs/${id}/events`);
  await c.waitFor(4);
  assert.deepEqual(c.events.map((e) => e.id), [...ids, queued]);
  const end = await ev.append(id, 'status', { status: 'cancelled', error: null });
  await t.app.infra.jobs.update(id, { status: 'cancelled' });
  await c.ended;
  assert.equal(c.events[c.events.length - 1]!.id, end);
});
