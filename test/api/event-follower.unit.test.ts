// The event follower behind GET /jobs/:id/events, on in-memory job records and event streams: replay, follow, end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventFollower } from '../../src/api/services/event-follower.js';
import { NotFoundError } from '../../src/api/services/errors.js';
import type { JobEvent } from '../../src/contract/events.js';
import { MemoryEventLog, MemoryJobs } from '../helpers/memory-stores.js';

const progress = (iteration: number) => ({ iteration, iterations: 10, itPerSec: 1, etaSeconds: 10 - iteration });
const status = (s: 'queued' | 'running' | 'completed' | 'failed' | 'cancelled') => ({ status: s, error: null });

function setup() {
  const jobs = new MemoryJobs();
  const events = new MemoryEventLog();
  return { jobs, events, follower: new EventFollower({ jobs, events, watcher: events, checkMs: 5 }) };
}

async function collect(stream: AsyncGenerator<JobEvent>, onEvent?: (e: JobEvent, n: number) => Promise<void>): Promise<JobEvent[]> {
  const seen: JobEvent[] = [];
  for await (const e of stream) {
    seen.push(e);
    await onEvent?.(e, seen.length);
  }
  return seen;
}

const follow = (follower: EventFollower, id: string, afterId = '0', signal = new AbortController().signal) =>
  follower.follow(id, { afterId, signal });

test('a finished job: every event after afterId is replayed, then the stream ends', async () => {
  const { jobs, events, follower } = setup();
  jobs.put('j', 'completed');
  const first = await events.append('j', 'status', status('running'));
  await events.append('j', 'progress', progress(1));
  await events.append('j', 'status', status('completed'));
  assert.deepEqual((await collect(follow(follower, 'j'))).map((e) => e.event), ['status', 'progress', 'status']);
  assert.deepEqual((await collect(follow(follower, 'j', first))).map((e) => e.event), ['progress', 'status']);
});

test('a live job is followed as events are appended, until its terminal status', async () => {
  const { jobs, events, follower } = setup();
  jobs.put('j', 'running');
  await events.append('j', 'status', status('running'));
  const seen = await collect(follow(follower, 'j'), async (_, n) => {
    if (n === 1) await events.append('j', 'progress', progress(5));
    if (n === 2) {
      await events.append('j', 'status', status('completed'));
      jobs.put('j', 'completed');
    }
  });
  assert.deepEqual(seen.map((e) => e.data), [status('running'), progress(5), status('completed')]);
});

test('a resumed job: the replay goes past the earlier terminal status and ends at the final one', async () => {
  const { jobs, events, follower } = setup();
  jobs.put('j', 'completed');
  for (const s of ['running', 'completed', 'queued', 'running'] as const) await events.append('j', 'status', status(s));
  await events.append('j', 'progress', progress(9));
  await events.append('j', 'status', status('completed'));
  const seen = await collect(follow(follower, 'j'));
  assert.deepEqual(seen.map((e) => (e.event === 'status' ? e.data.status : e.event)), [
    'running', 'completed', 'queued', 'running', 'progress', 'completed',
  ]);
});

test('a record that ends without its status event, or disappears, ends the stream after one more poll', async () => {
  const { jobs, events, follower } = setup();
  jobs.put('j', 'running');
  await events.append('j', 'progress', progress(1));
  const seen = await collect(follow(follower, 'j'), async () => jobs.put('j', 'failed'));
  assert.deepEqual(seen.map((e) => e.event), ['progress']);

  jobs.put('k', 'running');
  await events.append('k', 'progress', progress(1));
  const gone = await collect(follow(follower, 'k'), async () => void jobs.records.delete('k'));
  assert.equal(gone.length, 1);
  assert.equal((await collect(follow(follower, 'nope'))).length, 0, 'an unknown job yields nothing');
});

test('aborting the signal ends a live stream', async () => {
  const { jobs, events, follower } = setup();
  jobs.put('j', 'running');
  await events.append('j', 'progress', progress(1));
  const abort = new AbortController();
  const seen = await collect(follow(follower, 'j', '0', abort.signal), async () => abort.abort());
  assert.equal(seen.length, 1);
});

test('isExhausted: 404 for an unknown job, true only for a finished job with nothing after the id', async () => {
  const { jobs, events, follower } = setup();
  await assert.rejects(follower.isExhausted('nope', '0'), NotFoundError);
  jobs.put('j', 'running');
  const last = await events.append('j', 'status', status('running'));
  assert.equal(await follower.isExhausted('j', last), false, 'running');
  jobs.put('j', 'completed');
  const final = await events.append('j', 'status', status('completed'));
  assert.equal(await follower.isExhausted('j', last), false, 'an event follows');
  assert.equal(await follower.isExhausted('j', final), true);
  assert.equal(await follower.latestId('j'), final);
});
