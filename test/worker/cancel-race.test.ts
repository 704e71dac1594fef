// A cancel that races a worker picking the job up (the API can no longer take it off the queue) stops the run at its
// first progress report at the latest: real API, real worker process, real Redis.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startProcess, stopProcess, waitUntil } from '../helpers/processes.js';
import { jobEnded } from '../helpers/jobs.js';
import { body, startTestApp } from '../api/test-app.js';

const t = await startTestApp({ GANFORGE_RATE_LIMIT_CREATE_MAX: '1000' });
const worker = startProcess('src/worker/main.ts', { GANFORGE_PREFIX: t.env.GANFORGE_PREFIX, GANFORGE_DATA_DIR: t.env.GANFORGE_DATA_DIR, GANFORGE_BACKEND: 'wasm' });

after(async () => {
  await stopProcess(worker, 'SIGKILL');
  await t.close();
});

test('cancelled as soon as the worker has locked the job: it never trains past its first progress report', async () => {
  await worker.waitFor(/worker ready/);
  for (let round = 0; round < 3; round++) {
    const job = body(
      await t.app.inject({ method: 'POST', url: '/jobs', payload: { iterations: 100_000, batchSize: 8, sampleInterval: 100_000, checkpointInterval: 100_000 } }),
    );
    // The moment BullMQ hands the job to the worker, before the worker's record says running.
    await waitUntil(async () => (await (await t.app.infra.queue.getJob(job.id))?.getState()) === 'active', 30_000, 'the worker to lock the job');
    const cancel = await t.app.inject({ method: 'POST', url: `/jobs/${job.id}/cancel` });
    assert.equal(cancel.statusCode, 202);
    const done = await jobEnded(t.app.infra.jobs, job.id, 60_000);
    assert.equal(done.status, 'cancelled');
    assert.ok(done.iteration <= 1, `round ${round}: trained ${done.iteration} iterations after the cancel`);
  }
});
