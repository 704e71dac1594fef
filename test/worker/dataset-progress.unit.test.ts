// The worker's dataset progress: written at once with the total, then at most every DATASET_PROGRESS_INTERVAL_MS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { progressWriter } from '../../src/worker/dataset-processor.js';
import { DATASET_PROGRESS_INTERVAL_MS, type DatasetProgress } from '../../src/contract/dataset.js';

test('progress is written at once, then at most every DATASET_PROGRESS_INTERVAL_MS of the clock', async () => {
  const written: DatasetProgress[] = [];
  const store = { update: async (_id: string, fields: { progress?: DatasetProgress | null }) => (written.push(fields.progress!), true) };
  let clock = 1000;
  const report = progressWriter(store, 'd', () => clock);
  // 100 images, one every 10 ms of the fake clock: 1 s in all.
  for (let done = 0; done <= 100; done++) {
    await report({ done, total: 100 });
    clock += 10;
  }
  assert.deepEqual(written[0], { done: 0, total: 100 });
  const step = DATASET_PROGRESS_INTERVAL_MS / 10;
  assert.deepEqual(written.map((p) => p.done), Array.from({ length: Math.floor(100 / step) + 1 }, (_, i) => i * step));
});
