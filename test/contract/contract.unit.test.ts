// The contract's layouts: BullMQ's lock key as BullMQ builds it, event payload schemas (checked on write), checkpoint files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { QueueKeys } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { bullmqKeys } from '../../src/contract/keys.js';
import { JOB_EVENTS, QUEUE_NAME } from '../../src/contract/job.js';
import { jobEventSchemas, parseJobEvent, type JobEventData } from '../../src/contract/events.js';
import { GENERATOR_FILES, STATE_FILE, stateLast } from '../../src/contract/checkpoint-layout.js';
import { EventLog } from '../../src/jobs/event-log.js';

test("the job lock key is BullMQ's: the job's key plus :lock", () => {
  for (const prefix of ['ganforge', '{gf}', 't-1:x']) {
    assert.equal(bullmqKeys(prefix).jobLock('abc'), `${new QueueKeys(prefix).toKey(QUEUE_NAME, 'abc')}:lock`);
  }
});

const now = new Date().toISOString();
const VALID: JobEventData = {
  progress: { iteration: 3, iterations: 10, itPerSec: 2.5, etaSeconds: 3 },
  metrics: { points: [{ iteration: 3, dLoss: 0.7, dAcc: 0.5, gLoss: 0.9 }] },
  sample: { id: 's1', iteration: 3, url: '/samples/s1.png', createdAt: now },
  checkpoint: { iteration: 3, size: 1024, createdAt: now },
  quality: { iteration: 3, fd: 12.5, is: 7.1, labelAccuracy: null, n: 2000, scorer: 'classifier', seconds: 1.5, createdAt: now },
  status: { status: 'running', error: null, resumedFrom: null },
};

test('every event name has a schema; each accepts what the worker and the API write and refuses what they do not', () => {
  assert.deepEqual(Object.keys(jobEventSchemas).sort(), [...JOB_EVENTS].sort());
  for (const event of JOB_EVENTS) {
    assert.ok(jobEventSchemas[event].safeParse(VALID[event]).success, event);
    assert.equal(jobEventSchemas[event].safeParse({ ...VALID[event], extra: 1 }).success, false, `${event}: unknown field`);
    const [first] = Object.keys(VALID[event]);
    const { [first!]: _, ...missing } = VALID[event] as Record<string, unknown>;
    assert.equal(jobEventSchemas[event].safeParse(missing).success, false, `${event}: without ${first}`);
  }
  assert.equal(jobEventSchemas.status.safeParse({ status: 'paused', error: null }).success, false);
  assert.equal(jobEventSchemas.metrics.safeParse({ points: [] }).success, false, 'a metrics event carries points');
});

test('parseJobEvent: a known event with a valid payload, else undefined', () => {
  assert.deepEqual(parseJobEvent({ id: '1-0', event: 'status', data: JSON.stringify({ status: 'completed', error: null }) }), {
    id: '1-0',
    event: 'status',
    data: { status: 'completed', error: null },
  });
  assert.equal(parseJobEvent({ id: '1-0', event: 'toString', data: '{}' }), undefined);
  assert.equal(parseJobEvent({ id: '1-0', event: 'status', data: '{' }), undefined);
  assert.equal(parseJobEvent({ id: '1-0', event: 'progress', data: '{"iteration":1}' }), undefined);
});

test('EventLog.append checks the payload before anything reaches Redis', async () => {
  const written: unknown[][] = [];
  const redis = { xadd: async (...args: unknown[]) => (written.push(args), '1-0') } as unknown as Redis;
  const log = new EventLog(redis, 'p');
  await log.append('j', 'progress', VALID.progress);
  assert.equal(written.length, 1);
  await assert.rejects(log.append('j', 'progress', { iteration: 1 } as JobEventData['progress']), z.ZodError);
  assert.equal(written.length, 1, 'nothing written');
});

test('checkpoint layout: state.json sorts last whatever the other names; the generator is a layers model', () => {
  const names = ['state.json', 'optimizers.bin', 'z/weights.bin', 'generator/model.json'];
  assert.equal([...names].sort(stateLast).at(-1), STATE_FILE);
  assert.deepEqual([...names].sort(stateLast).slice(0, -1), names.slice(1));
  assert.deepEqual(GENERATOR_FILES, { model: 'generator/model.json', weights: 'generator/weights.bin' });
});
