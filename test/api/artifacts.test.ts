// Samples (PNG, ETag, 304), checkpoints, and the generator: tf.loadLayersModel over HTTP gets one checkpoint's weights.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import * as tf from '@tensorflow/tfjs';
import { PNG } from 'pngjs';
import { serializeModel } from '../../src/gan/checkpoint-files.js';
import { body, startTestApp, type TestApp } from './test-app.js';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(() => t.close());

const newJob = async (): Promise<string> => body(await t.app.inject({ method: 'POST', url: '/jobs', payload: {} })).id;

function png(shade: number): Uint8Array {
  const image = new PNG({ width: 2, height: 2 });
  image.data.fill(shade);
  return new Uint8Array(PNG.sync.write(image));
}

describe('samples', () => {
  test('listed by iteration, served as immutable PNG with ETag and 304', async () => {
    const id = await newJob();
    const late = await t.app.infra.artifacts.addSample(id, 400, png(200));
    const early = await t.app.infra.artifacts.addSample(id, 200, png(100));
    const list = body(await t.app.inject({ method: 'GET', url: `/jobs/${id}/samples` }));
    assert.deepEqual(list.samples, [
      { id: early.id, iteration: 200, url: `/samples/${early.id}.png`, createdAt: early.createdAt },
      { id: late.id, iteration: 400, url: `/samples/${late.id}.png`, createdAt: late.createdAt },
    ]);

    const res = await t.app.inject({ method: 'GET', url: list.samples[0].url });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'image/png');
    assert.equal(res.headers.etag, early.etag);
    assert.equal(res.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.deepEqual(new Uint8Array(res.rawPayload), png(100));

    for (const inm of [early.etag, `W/${early.etag}`, `"other", ${early.etag}`, '*']) {
      const cached = await t.app.inject({ method: 'GET', url: list.samples[0].url, headers: { 'if-none-match': inm } });
      assert.equal(cached.statusCode, 304, inm);
      assert.equal(cached.body, '');
      assert.equal(cached.headers.etag, early.etag);
    }
    const stale = await t.app.inject({ method: 'GET', url: list.samples[0].url, headers: { 'if-none-match': late.etag } });
    assert.equal(stale.statusCode, 200);
  });

  test('uppercase or extensionless sample names are not found', async () => {
    const id = await newJob();
    const s = await t.app.infra.artifacts.addSample(id, 1, png(1));
    assert.equal((await t.app.inject({ method: 'GET', url: `/samples/${s.id}` })).statusCode, 404);
    assert.equal((await t.app.inject({ method: 'GET', url: `/samples/${s.id.toUpperCase()}.png` })).statusCode, 404);
  });
});

describe('checkpoints and generator', () => {
  let id: string;
  let models: tf.Sequential[];
  let base: string;

  function generator(seed: number): tf.Sequential {
    const m = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 2, kernelInitializer: tf.initializers.randomNormal({ seed }) })] });
    return m;
  }
  async function checkpoint(iteration: number, model: tf.Sequential): Promise<void> {
    const files = await serializeModel(model, 'generator');
    files.set('state.json', new TextEncoder().encode(JSON.stringify({ iteration })));
    await t.app.infra.artifacts.addCheckpoint(id, iteration, files);
  }
  const weightsOf = (m: tf.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));

  before(async () => {
    await tf.setBackend('cpu');
    id = await newJob();
    models = [generator(1), generator(2), generator(3)];
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  });
  after(() => models.forEach((m) => m.dispose()));

  test('404 problem before the first checkpoint', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/jobs/${id}/generator/model.json` });
    assert.equal(res.statusCode, 404);
    assert.match(body(res).detail, /no checkpoint yet/);
    assert.deepEqual(body(await t.app.inject({ method: 'GET', url: `/jobs/${id}/checkpoints` })), { checkpoints: [] });
  });

  test('checkpoints are listed with a loadable generator URL', async () => {
    await checkpoint(100, models[0]!);
    await checkpoint(200, models[1]!);
    const list = body(await t.app.inject({ method: 'GET', url: `/jobs/${id}/checkpoints` }));
    assert.deepEqual(
      list.checkpoints.map((c: { iteration: number; url: string }) => [c.iteration, c.url]),
      [
        [100, `/jobs/${id}/generator/model.json?iteration=100`],
        [200, `/jobs/${id}/generator/model.json?iteration=200`],
      ],
    );
    assert.ok(list.checkpoints.every((c: { size: number }) => c.size > 0));
  });

  test('model.json pins its weights to its checkpoint', async () => {
    const latest = await t.app.inject({ method: 'GET', url: `/jobs/${id}/generator/model.json` });
    assert.equal(latest.statusCode, 200);
    assert.equal(latest.headers['x-checkpoint-iteration'], '200');
    assert.deepEqual(body(latest).weightsManifest[0].paths, ['weights.bin?iteration=200']);
    assert.ok(body(latest).modelTopology);
    // tf.loadLayersModel appends the model URL's own query to each path: a pinned request keeps the plain name.
    const pinned = await t.app.inject({ method: 'GET', url: `/jobs/${id}/generator/model.json?iteration=100` });
    assert.deepEqual(body(pinned).weightsManifest[0].paths, ['weights.bin']);
    const missing = await t.app.inject({ method: 'GET', url: `/jobs/${id}/generator/model.json?iteration=150` });
    assert.equal(missing.statusCode, 404);
    const weights = await t.app.inject({ method: 'GET', url: `/jobs/${id}/generator/weights.bin?iteration=100` });
    assert.equal(weights.headers['content-type'], 'application/octet-stream');
    assert.equal(weights.rawPayload.byteLength, (3 * 2 + 2) * 4);
  });

  test('tf.loadLayersModel loads the checkpoint of the model.json even when a newer one lands in between', async () => {
    const url = `${base}/jobs/${id}/generator/model.json`;
    let landed = false;
    const fetchFunc = async (input: string | URL | Request, init?: RequestInit) => {
      if (String(input).includes('weights.bin') && !landed) {
        landed = true;
        await checkpoint(300, models[2]!);
      }
      return fetch(input, init);
    };
    const loaded = await tf.loadLayersModel(tf.io.http(url, { fetchFunc }));
    assert.ok(landed);
    assert.deepEqual(weightsOf(loaded), weightsOf(models[1]!));
    const pinned = await tf.loadLayersModel(`${url}?iteration=100`);
    assert.deepEqual(weightsOf(pinned), weightsOf(models[0]!));
    const newest = await tf.loadLayersModel(url);
    assert.deepEqual(weightsOf(newest), weightsOf(models[2]!));
    [loaded, pinned, newest].forEach((m) => m.dispose());
  });
});
