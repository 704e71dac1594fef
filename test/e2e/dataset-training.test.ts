// A user's own images, end to end: 2,000 real Fashion-MNIST images written as PNG files in class folders, zipped,
// uploaded over HTTP, processed by a real worker process, trained on by a short job, and its samples fetched.
// Also an RGB 32x32 set (real MNIST digits coloured by the test, PNG and JPEG in class folders, tar.gz) trained on by
// gan and dcgan, whose samples are colour grids; the job checks against the dataset (422 naming body.dataset) and
// DELETE's 409 while a job uses it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { assertProblem, startTestApp, startWorker, type TestApp } from '../api/test-app.js';
import { stopProcess, waitUntil, type Proc } from '../helpers/processes.js';
import { makeZip, makeTar, solidPng, type ZipEntry } from '../helpers/archives.js';
import { colouredDigits } from '../helpers/coloured-digits.js';
import { defaultScale } from '../../src/gan/sample-grid.js';
import { readIdxPair } from '../../src/gan/datasets/idx.js';
import { FASHION_MNIST_DEFAULT_DIR } from '../../src/config/env.js';
import { DATASET_CLASSES } from '../../src/gan/train-config.js';

const PER_CLASS = 200;
const RGB_PER_CLASS = 40;
let t: TestApp;
let worker: Proc;

before(async () => {
  t = await startTestApp({ GANFORGE_RATE_LIMIT_MAX: '100000' });
  worker = await startWorker(t);
});

after(async () => {
  if (worker) await stopProcess(worker);
  await t?.close();
});

const json = (res: { body: string }) => JSON.parse(res.body);

async function uploadReady(body: Buffer, type: string, query: string): Promise<any> {
  const res = await t.app.inject({ method: 'POST', url: `/datasets?${query}`, headers: { 'content-type': type }, payload: body });
  assert.equal(res.statusCode, 202, res.body);
  const id = json(res).id;
  return waitUntil(async () => {
    const d = json(await t.app.inject({ url: `/datasets/${id}` }));
    return d.status !== 'processing' && d;
  }, 120_000, `dataset ${id}`);
}

test('2,000 Fashion-MNIST PNGs in class folders: upload, train a job on them, fetch its samples', async () => {
  // The images are real: the first 200 of each class from the IDX files, written as PNGs under the class name.
  const idx = await readIdxPair(`${FASHION_MNIST_DEFAULT_DIR}/train-images-idx3-ubyte.gz`, `${FASHION_MNIST_DEFAULT_DIR}/train-labels-idx1-ubyte.gz`);
  const folder = (label: number) => DATASET_CLASSES['fashion-mnist'][label].replace('/', '-');
  const taken = new Array(10).fill(0);
  const entries: ZipEntry[] = [];
  for (let i = 0; i < idx.count && entries.length < 10 * PER_CLASS; i++) {
    const label = idx.labels[i];
    if (taken[label] >= PER_CLASS) continue;
    const pixels = Buffer.from(idx.images.subarray(i * 784, (i + 1) * 784));
    const png = await sharp(pixels, { raw: { width: 28, height: 28, channels: 1 } }).png().toBuffer();
    entries.push({ name: `${folder(label)}/${String(taken[label]++).padStart(4, '0')}.png`, data: png, deflate: true });
  }
  const d = await uploadReady(makeZip(entries), 'application/zip', 'name=fashion-pngs&size=28&channels=1');
  assert.equal(d.status, 'ready', JSON.stringify(d));
  assert.equal(d.count, 2000);
  assert.deepEqual(d.classes.map((c: any) => c.count), new Array(10).fill(PER_CLASS));
  assert.deepEqual(d.classes.map((c: any) => c.name), [...Array(10).keys()].map(folder).sort());

  const spec = { model: 'cgan', dataset: d.id, iterations: 20, batchSize: 16, sampleInterval: 10, checkpointInterval: 20, seed: 3 };
  const created = await t.app.inject({ method: 'POST', url: '/jobs', payload: spec });
  assert.equal(created.statusCode, 201, created.body);
  const jobId = json(created).id;
  // While the job is queued or running, its dataset cannot be deleted.
  assertProblem(await t.app.inject({ method: 'DELETE', url: `/datasets/${d.id}` }), 409, 'CONFLICT');
  const job = await waitUntil(async () => {
    const j = json(await t.app.inject({ url: `/jobs/${jobId}` }));
    if (j.status === 'failed') throw new Error(`job failed: ${j.error}\n${worker.output().slice(-2000)}`);
    return j.status === 'completed' && j;
  }, 300_000, 'the job to complete');
  assert.equal(job.dataset.name, d.id);
  assert.equal(job.dataset.count, 2000);
  const samples = json(await t.app.inject({ url: `/jobs/${jobId}/samples` })).samples;
  assert.equal(samples.length, 2);
  const png = await t.app.inject({ url: samples[1].url });
  assert.equal(png.statusCode, 200);
  const meta = await sharp(png.rawPayload).metadata();
  assert.equal(meta.format, 'png');
  // The job has ended: the dataset may go now, and the job keeps its samples.
  assert.equal((await t.app.inject({ method: 'DELETE', url: `/datasets/${d.id}` })).statusCode, 204);
  assert.equal((await t.app.inject({ url: samples[1].url })).statusCode, 200);
});

test('a job is checked against its dataset: 422 naming body.dataset', async () => {
  const grey = await solidPng(32, 32, [90, 90, 90]);
  const unlabelled = await uploadReady(await makeTar([{ name: 'a.png', data: grey }, { name: 'b.png', data: grey }]), 'application/x-tar', 'name=u&size=32&channels=3');
  assert.equal(unlabelled.status, 'ready');
  const failed = await uploadReady(makeZip([{ name: 'x.txt', data: Buffer.from('no') }]), 'application/zip', 'name=f');
  assert.equal(failed.status, 'failed');
  const post = (payload: object) => t.app.inject({ method: 'POST', url: '/jobs', payload: { iterations: 5, ...payload } });
  const refused = async (payload: object, message: RegExp) => {
    const res = await post(payload);
    assertProblem(res, 422, 'UNPROCESSABLE');
    assert.equal(json(res).errors[0].path, 'body.dataset');
    assert.match(json(res).detail, message);
  };
  await refused({ model: 'cgan', dataset: unlabelled.id }, /conditional and needs a labelled dataset/);
  await refused({ dataset: failed.id }, /the dataset is failed/);
  await refused({ dataset: '2b7f0b9e-8a4c-4d7e-9f3a-1c2d3e4f5a6b' }, /no such dataset/);
  assertProblem(await post({ dataset: 'cifar-10' }), 400, 'VALIDATION_FAILED');
});

test('coloured digits as 32x32 RGB: upload, then gan and dcgan train on them and their samples are colour grids', async () => {
  const archive = await makeTar(await colouredDigits(RGB_PER_CLASS), true);
  const d = await uploadReady(archive, 'application/gzip', 'name=coloured-digits&size=32&channels=3');
  assert.equal(d.status, 'ready', JSON.stringify(d));
  assert.equal(d.count, 10 * RGB_PER_CLASS);
  assert.deepEqual(d.shape, [32, 32, 3]);
  assert.deepEqual(d.classes.map((c: { name: string }) => c.name), ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  assert.equal(d.skipped.length, 0, JSON.stringify(d.skipped));

  // The preview is real colour: its pixels differ between channels.
  const preview = await t.app.inject({ url: `/datasets/${d.id}/preview.png` });
  assert.equal(preview.statusCode, 200);
  const { data, info } = await sharp(preview.rawPayload).raw().toBuffer({ resolveWithObject: true });
  assert.ok(info.channels >= 3);
  let coloured = 0;
  for (let p = 0; p < data.length; p += info.channels) if (data[p] !== data[p + 1] || data[p + 1] !== data[p + 2]) coloured++;
  assert.ok(coloured > (data.length / info.channels) * 0.5, `${coloured} coloured pixels in the preview`);

  for (const model of ['gan', 'dcgan']) {
    const spec = { model, dataset: d.id, iterations: 6, batchSize: 16, sampleInterval: 3, checkpointInterval: 6, sampleGrid: 3, seed: 2 };
    const created = await t.app.inject({ method: 'POST', url: '/jobs', payload: spec });
    assert.equal(created.statusCode, 201, created.body);
    const id = json(created).id;
    const job = await waitUntil(async () => {
      const j = json(await t.app.inject({ url: `/jobs/${id}` }));
      if (j.status === 'failed') throw new Error(`${model} failed: ${j.error}\n${worker.output().slice(-2000)}`);
      return j.status === 'completed' && j;
    }, 300_000, `the ${model} job`);
    assert.equal(job.dataset.count, 10 * RGB_PER_CLASS);
    const samples = json(await t.app.inject({ url: `/jobs/${id}/samples` })).samples;
    assert.equal(samples.length, 2, model);
    const png = await t.app.inject({ url: samples[1].url });
    assert.equal(png.statusCode, 200);
    const meta = await sharp(png.rawPayload).metadata();
    assert.equal(meta.format, 'png');
    assert.ok(meta.channels! >= 3, `${model}: an RGB grid, got ${meta.channels} channels`);
    // A 3x3 grid of 32x32 tiles (scaled up for the screen) with 2 pixels of padding around them.
    const tile = 32 * defaultScale(32, 32);
    assert.deepEqual([meta.width, meta.height], [3 * tile + 4 * 2, 3 * tile + 4 * 2], model);
  }
});
