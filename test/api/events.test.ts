// GET /jobs/:id/events over a real socket: replay, Last-Event-ID resume, live follow, end on terminal status, close.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { body, startTestApp, type TestApp } from './test-app.js';
import { connect } from '../helpers/sse.js';

let t: TestApp;
let base: string;
before(async () => {
  t = await startTestApp();
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
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
  await t.app.infra.events.append(id, 'sample', { id: 'x', iteration: 2, url: '/samples/x.png' });
  await c.waitFor(2);
  assert.equal(c.events[1]!.event, 'sample');
  await t.app.infra.events.append(id, 'status', { status: 'failed', error: 'out of memory' });
  await t.app.infra.jobs.update(id, { status: 'failed', error: 'out of memory' });
  await c.ended;
  assert.deepEqual(c.events.map((e) => e.event), ['progress', 'sample', 'status']);
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
  for (let i = 0; i < 40; i++) {
    const open = await new Promise<number>((r) => t.app.server.getConnections((_, n) => r(n)));
    if (open === 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail('the connection stayed open');
});

test('app.close() ends open streams instead of waiting for them', async () => {
  const own = await startTestApp();
  await own.app.listen({ host: '127.0.0.1', port: 0 });
  const ownBase = `http://127.0.0.1:${(own.app.server.address() as AddressInfo).port}`;
  const id = body(await own.app.inject({ method: 'POST', url: '/jobs', payload: {} })).id;
  const c = await connect(ownBase, `/jobs/${id}/events`);
  const started = Date.now();
  await own.close();
  await c.ended;
  assert.ok(Date.now() - started < 3000, 'close did not hang');
});
