// Datasets on S3: the API streams an upload into the bucket (multipart past 8 MiB), a real worker process with
// GANFORGE_STORAGE=s3 unpacks it there, a job trains on it from the bucket, and DELETE empties its keys.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { S3ArtifactStore } from '../../src/storage/s3-artifact-store.js';
import { startS3Server, type S3Server } from '../helpers/s3-server.js';
import { startProcess, stopProcess, waitUntil } from '../helpers/processes.js';
import { startTestApp } from '../api/test-app.js';
import { makeZip, solidPng } from '../helpers/archives.js';
import { uniquePrefix } from '../helpers/redis.js';

let s3: S3Server;
before(async () => {
  s3 = await startS3Server();
  process.env.AWS_ACCESS_KEY_ID = s3.env.AWS_ACCESS_KEY_ID;
  process.env.AWS_SECRET_ACCESS_KEY = s3.env.AWS_SECRET_ACCESS_KEY;
});
after(async () => s3?.stop());

test('upload into the bucket, processed by an S3 worker, trained on, deleted', async (t) => {
  const prefix = uniquePrefix('s3datasets');
  const worker = startProcess('src/worker/main.ts', { ...s3.env, GANFORGE_PREFIX: prefix, GANFORGE_BACKEND: 'wasm', GANFORGE_DATA_DIR: '/nonexistent' });
  const app = await startTestApp({ ...s3.env, GANFORGE_PREFIX: prefix, GANFORGE_DATA_DIR: '/nonexistent' });
  t.after(async () => {
    await stopProcess(worker);
    await app.close();
  });
  const bucket = new S3ArtifactStore({ client: s3.client(), bucket: s3.bucket });
  await worker.waitFor(/worker ready/);

  // Two classes of real images, plus 10 MiB of incompressible noise that is skipped: the upload takes two parts.
  const png = (rgb: [number, number, number]) => solidPng(32, 32, rgb);
  const zip = makeZip([
    { name: 'red/1.png', data: await png([255, 0, 0]) },
    { name: 'red/2.png', data: await png([250, 5, 0]) },
    { name: 'blue/1.png', data: await png([0, 0, 255]) },
    { name: 'noise.bin', data: randomBytes(10 * 1024 * 1024) },
  ]);
  const res = await app.app.inject({ method: 'POST', url: '/datasets?name=s3&size=32&channels=3', headers: { 'content-type': 'application/zip' }, payload: zip });
  assert.equal(res.statusCode, 202, res.body);
  const id = JSON.parse(res.body).id;
  const d = await waitUntil(async () => {
    const r = JSON.parse((await app.app.inject({ url: `/datasets/${id}` })).body);
    return r.status !== 'processing' && r;
  }, 60_000, 'the dataset');
  assert.equal(d.status, 'ready', JSON.stringify(d));
  assert.equal(d.uploadBytes, zip.length);
  assert.deepEqual(await bucket.list(`datasets/${id}`), [`datasets/${id}/pack.bin`, `datasets/${id}/preview.png`]);

  const job = await app.app.inject({ method: 'POST', url: '/jobs', payload: { model: 'cgan', dataset: id, iterations: 2, batchSize: 4, sampleInterval: 2, checkpointInterval: 2 } });
  assert.equal(job.statusCode, 201, job.body);
  const done = await waitUntil(async () => {
    const j = JSON.parse((await app.app.inject({ url: `/jobs/${JSON.parse(job.body).id}` })).body);
    return (j.status === 'completed' || j.status === 'failed') && j;
  }, 120_000, 'the job');
  assert.equal(done.status, 'completed', done.error);
  assert.equal(done.dataset.count, 3);

  assert.equal((await app.app.inject({ method: 'DELETE', url: `/datasets/${id}` })).statusCode, 204);
  assert.deepEqual(await bucket.list(`datasets/${id}`), []);
});
