// The job API per model: POST /jobs takes one model's options (and names a stray one), GET /jobs/:id/generate.png.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { PNG } from 'pngjs';
import { metricNames } from '../../src/contract/job.js';
import { GanTrainer } from '../../src/gan/trainer.js';
import { DATASET_SHAPES, trainConfig, type TrainConfigInput } from '../../src/gan/train-config.js';
import { syntheticDataset } from '../helpers/synthetic-dataset.js';
import { body, startTestApp, type TestApp } from './test-app.js';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(() => t.close());

const post = (payload: unknown) => t.app.inject({ method: 'POST', url: '/jobs', payload: payload as object });

/** A job of `model` with a checkpoint at iteration 1, as a worker would leave it. */
async function jobWithCheckpoint(model: string): Promise<string> {
  const id = body(await post({ model, batchSize: 4, seed: 1 })).id as string;
  const trainer = await GanTrainer.create({ config: trainConfig({ model, batchSize: 4, seed: 1 } as TrainConfigInput), dataset: syntheticDataset(32) });
  trainer.step();
  await t.app.infra.artifacts.addCheckpoint(id, 1, await trainer.checkpoint());
  trainer.dispose();
  return id;
}

test("each model's defaults fill its spec; the default model is gan", async () => {
  const gan = body(await post({}));
  assert.equal(gan.spec.model, 'gan');
  assert.equal(gan.spec.learningRate, 0.0002);
  const wgan = body(await post({ model: 'wgan' }));
  assert.deepEqual([wgan.spec.learningRate, wgan.spec.nCritic, wgan.spec.clipValue], [0.00005, 5, 0.01]);
  assert.equal(wgan.spec.beta1, undefined);
  assert.equal(body(await post({ model: 'wgan-gp' })).spec.gpWeight, 10);
});

test('an option of another model is a 400 problem naming the field', async () => {
  for (const [payload, field] of [
    [{ clipValue: 0.1 }, 'body.clipValue'],
    [{ model: 'wgan', beta1: 0.5 }, 'body.beta1'],
    [{ model: 'dcgan', nCritic: 2 }, 'body.nCritic'],
  ] as const) {
    const res = await post(payload);
    assert.equal(res.statusCode, 400, JSON.stringify(payload));
    assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
    assert.ok(body(res).errors.some((e: { path: string }) => e.path === field), `${field} in ${res.body}`);
  }
  const unknown = await post({ model: 'biggan' });
  assert.equal(unknown.statusCode, 400);
  assert.match(unknown.body, /model/);
});

test('generate.png: a fresh grid from the saved generator; the same seed gives the same PNG, another seed another', async () => {
  const id = await jobWithCheckpoint('gan');
  const get = (q: string) => t.app.inject({ method: 'GET', url: `/jobs/${id}/generate.png?${q}` });
  const a = await get('n=4&seed=1');
  assert.equal(a.statusCode, 200, a.body);
  assert.equal(a.headers['content-type'], 'image/png');
  assert.equal(a.headers['x-checkpoint-iteration'], '1');
  // The API picked the engine's backend for it (tfjs' plain-JS default holds the event loop for seconds on a dcgan grid).
  assert.equal(tf.getBackend(), 'wasm');
  const image = PNG.sync.read(a.rawPayload);
  assert.equal(image.width, 2 * 112 + 3 * 2);
  assert.deepEqual((await get('n=4&seed=1')).rawPayload, a.rawPayload);
  assert.notDeepEqual((await get('n=4&seed=2')).rawPayload, a.rawPayload);
  assert.equal((await get('n=4&iteration=1')).headers['cache-control'], 'public, max-age=31536000, immutable');
  // Bad input: a label for a model without classes, too many images, an iteration without a checkpoint.
  const label = await get('label=7');
  assert.equal(label.statusCode, 400);
  assert.deepEqual(body(label).errors.map((e: { path: string }) => e.path), ['query.label']);
  assert.equal((await get('n=65')).statusCode, 400);
  assert.equal((await get('iteration=5')).statusCode, 404);
});

test('generate.png of cgan: label picks the class (422 past the last class), without it the classes take turns', async () => {
  const id = await jobWithCheckpoint('cgan');
  const get = (q: string) => t.app.inject({ method: 'GET', url: `/jobs/${id}/generate.png?${q}` });
  const seven = await get('n=2&seed=3&label=7');
  assert.equal(seven.statusCode, 200, seven.body);
  const three = await get('n=2&seed=3&label=3');
  assert.notDeepEqual(three.rawPayload, seven.rawPayload, 'the label changes the images');
  assert.equal((await get('n=10&seed=3')).statusCode, 200);
  const out = await get('label=10');
  assert.equal(out.statusCode, 422);
  assert.match(String(out.headers['content-type']), /^application\/problem\+json/);
  assert.deepEqual(body(out).errors.map((e: { path: string }) => e.path), ['query.label']);
});

test("a wgan job's metrics: its own names in JSON, CSV header and latest", async () => {
  const id = body(await post({ model: 'wgan' })).id as string;
  await t.app.infra.metrics.write(id, metricNames('wgan'), [{ iteration: 1, dLoss: -0.5, gLoss: 0.25 }, { iteration: 2, dLoss: -0.25, gLoss: 0.5 }]);
  await t.app.infra.jobs.update(id, { status: 'running', iteration: 2, latest: { dLoss: -0.25, gLoss: 0.5 } });
  const json = body(await t.app.inject({ method: 'GET', url: `/jobs/${id}/metrics` }));
  assert.deepEqual(json.names, ['dLoss', 'gLoss']);
  assert.deepEqual(json.points, [{ iteration: 1, dLoss: -0.5, gLoss: 0.25 }, { iteration: 2, dLoss: -0.25, gLoss: 0.5 }]);
  const csv = await t.app.inject({ method: 'GET', url: `/jobs/${id}/metrics?format=csv` });
  assert.equal(csv.body, 'iteration,dLoss,gLoss\n1,-0.5,0.25\n2,-0.25,0.5\n');
  assert.deepEqual(body(await t.app.inject({ method: 'GET', url: `/jobs/${id}` })).latest, { dLoss: -0.25, gLoss: 0.5, quality: null });
});

test('a dataset whose image shape the model cannot take is a 422 problem naming body.dataset', async () => {
  // Both built-in datasets are 28x28; give mnist another shape for this in-process app only.
  const saved = DATASET_SHAPES.mnist;
  DATASET_SHAPES.mnist = [30, 30, 1];
  try {
    const res = await post({ model: 'dcgan', dataset: 'mnist' });
    assert.equal(res.statusCode, 422);
    assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
    assert.deepEqual(body(res).errors.map((e: { path: string }) => e.path), ['body.dataset']);
    assert.match(body(res).detail, /divisible by 4 .*got 30x30/);
    assert.equal((await post({ model: 'gan', dataset: 'mnist' })).statusCode, 201, 'the MLP takes any shape');
  } finally {
    DATASET_SHAPES.mnist = saved;
  }
});
