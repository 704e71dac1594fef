// An RGB 32x32 set end to end: real MNIST digits coloured by the test, in class folders (PNG and JPEG), tar.gz'd,
// uploaded over HTTP, processed by a real worker process, then gan and dcgan jobs trained on it whose RGB samples are fetched.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { startTestApp, startWorker, type TestApp } from '../api/test-app.js';
import { stopProcess, waitUntil, type Proc } from '../helpers/processes.js';
import { makeTar } from '../helpers/archives.js';
import { colouredDigits } from '../helpers/coloured-digits.js';
import { defaultScale } from '../../src/gan/sample-grid.js';

const PER_CLASS = 40;
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

test('coloured digits as 32x32 RGB: upload, then gan and dcgan train on them and their samples are colour grids', async () => {
  const files = await colouredDigits(PER_CLASS);
  const archive = await makeTar(files, true);
  const res = await t.app.inject({
    method: 'POST',
    url: '/datasets?name=coloured-digits&size=32&channels=3',
    headers: { 'content-type': 'application/gzip' },
    payload: archive,
  });
  assert.equal(res.statusCode, 202, res.body);
  const d = await waitUntil(async () => {
    const r = json(await t.app.inject({ url: `/datasets/${json(res).id}` }));
    return r.status !== 'processing' && r;
  }, 120_000, 'the dataset');
  assert.equal(d.status, 'ready', JSON.stringify(d));
  assert.equal(d.count, 10 * PER_CLASS);
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
    assert.equal(job.dataset.count, 10 * PER_CLASS);
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
