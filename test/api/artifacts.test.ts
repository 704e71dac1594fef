// Samples (PNG, ETag, 304), checkpoints, the generator (tf.loadLayersModel over HTTP), and checkpoint archives (tar).
import { metricNames } from '../../src/contract/job.js';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import * as tf from '@tensorflow/tfjs';
import { PNG } from 'pngjs';
import tar from 'tar-stream';
import { artifactKeys } from '../../src/contract/keys.js';
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
    const sign = t.app.services.links.sign;
    assert.deepEqual(list.samples, [
      { id: early.id, iteration: 200, url: `/samples/${early.id}.png`, signedUrl: sign(id, `/samples/${early.id}.png`), createdAt: early.createdAt },
      { id: late.id, iteration: 400, url: `/samples/${late.id}.png`, signedUrl: sign(id, `/samples/${late.id}.png`), createdAt: late.createdAt },
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
    base = await t.listen();
  });
  after(() => models.forEach((m) => m.dispose()));

  test('404 problem before the first checkpoint', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/jobs/${id}/generator/model.json` });
    assert.equal(res.statusCode, 404);
    assert.match(body(res).detail, /no checkpoint yet/);
    assert.deepEqual(body(await t.app.inject({ method: 'GET', url: `/jobs/${id}/checkpoints` })), { checkpoints: [], nextCursor: null });
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

/** Every entry of a tar archive, in order, with its bytes. */
async function untar(bytes: Uint8Array): Promise<{ name: string; type: string; mode: number; data: Buffer }[]> {
  const extract = tar.extract();
  Readable.from([Buffer.from(bytes)]).pipe(extract);
  const entries = [];
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    entries.push({ name: entry.header.name, type: entry.header.type, mode: entry.header.mode, data: Buffer.concat(chunks) });
  }
  return entries;
}

describe('checkpoint archives', () => {
  // float32 values (the metrics store keeps float32), so the CSV shows them exactly as written.
  const point = (i: number) => ({ iteration: i, dLoss: 0.5 + (i % 7) / 8, dAcc: (i % 5) / 4, gLoss: 1 + (i % 3) / 16 });
  const csvOf = (from: number, to: number) =>
    'iteration,dLoss,dAcc,gLoss\n' + Array.from({ length: to - from + 1 }, (_, k) => point(from + k)).map((p) => `${p.iteration},${p.dLoss},${p.dAcc},${p.gLoss}\n`).join('');
  /** The files of a checkpoint as the engine makes them (arbitrary bytes, one big enough to need several reads). */
  function files(iteration: number): Map<string, Uint8Array> {
    return new Map<string, Uint8Array>([
      ['generator/model.json', new TextEncoder().encode('{"g":1}')],
      ['generator/weights.bin', new Uint8Array(crypto.randomBytes(3 * 1024 * 1024 + 5))],
      ['discriminator/model.json', new TextEncoder().encode('{"d":1}')],
      ['discriminator/weights.bin', new Uint8Array(crypto.randomBytes(1000))],
      ['state.json', new TextEncoder().encode(JSON.stringify({ iteration }))],
      ['optimizers.json', new TextEncoder().encode('{"weights":[]}')],
      ['optimizers.bin', new Uint8Array(0)],
    ]);
  }
  let id: string;
  let written: Map<number, Map<string, Uint8Array>>;
  let base: string;

  before(async () => {
    id = body(await t.app.inject({ method: 'POST', url: '/jobs', payload: { name: 'Crème brûlée / "v2"', iterations: 30_000 } })).id;
    // Past the checkpoint too: those rows are not the checkpoint's and stay out of its metrics.csv.
    await t.app.infra.metrics.write(id, metricNames('gan'), Array.from({ length: 25_010 }, (_, i) => point(i + 1)));
    written = new Map([
      [10, files(10)],
      [25_000, files(25_000)],
    ]);
    for (const [iteration, f] of written) await t.app.infra.artifacts.addCheckpoint(id, iteration, f);
    base = await t.listen();
  });

  test('each listed checkpoint links its archive', async () => {
    const list = body(await t.app.inject({ method: 'GET', url: `/jobs/${id}/checkpoints` }));
    assert.deepEqual(
      list.checkpoints.map((c: { archive: string }) => c.archive),
      [`/jobs/${id}/checkpoints/10/archive`, `/jobs/${id}/checkpoints/25000/archive`],
    );
  });

  test('a run directory of the trainer: job.json, metrics.csv up to the checkpoint, every file, state.json last', async () => {
    // Over a real socket: the archive is streamed, paged through Redis (25,000 rows) and the store.
    const res = await fetch(`${base}/jobs/${id}/checkpoints/25000/archive`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/x-tar');
    assert.equal(res.headers.get('content-disposition'), 'attachment; filename="Creme-brulee-v2-25000.tar"');
    assert.equal(res.headers.get('cache-control'), 'no-cache');
    const entries = await untar(new Uint8Array(await res.arrayBuffer()));

    const f = written.get(25_000)!;
    const checkpointFiles = [...f.keys()].filter((n) => n !== 'state.json').concat('state.json');
    assert.deepEqual(entries.map((e) => e.name), ['job.json', 'metrics.csv', ...checkpointFiles.map((n) => `checkpoints/25000/${n}`)]);
    assert.ok(entries.every((e) => e.type === 'file' && e.mode === 0o644));
    for (const name of checkpointFiles) {
      assert.deepEqual(new Uint8Array(entries.find((e) => e.name === `checkpoints/25000/${name}`)!.data), f.get(name), name);
    }
    assert.equal(entries[1]!.data.toString('utf8'), csvOf(1, 25_000));

    const job = JSON.parse(entries[0]!.data.toString('utf8'));
    assert.equal(job.job.id, id);
    assert.equal(job.job.spec.iterations, 30_000);
    assert.equal(job.checkpoint.iteration, 25_000);
    assert.match(job.resume, /^npm run train -- --resume --out DIR --model gan --dataset mnist --iterations 30000 --batch-size 128 .*--seed \d+ --sample-grid 5$/);
  });

  test('an early checkpoint carries only its own metrics rows; a nameless job is named by its id', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/jobs/${id}/checkpoints/10/archive` });
    assert.equal(res.statusCode, 200);
    const entries = await untar(res.rawPayload);
    assert.equal(entries.find((e) => e.name === 'metrics.csv')!.data.toString('utf8'), csvOf(1, 10));
    assert.equal(entries.at(-1)!.name, 'checkpoints/10/state.json');

    const other = body(await t.app.inject({ method: 'POST', url: '/jobs', payload: { name: '日本' } })).id;
    await t.app.infra.artifacts.addCheckpoint(other, 0, new Map([['state.json', new Uint8Array([123, 125])]]));
    const bare = await t.app.inject({ method: 'GET', url: `/jobs/${other}/checkpoints/0/archive` });
    assert.equal(bare.statusCode, 200);
    assert.equal(bare.headers['content-disposition'], `attachment; filename="${other}-0.tar"`);
    const bareEntries = await untar(bare.rawPayload);
    assert.deepEqual(bareEntries.map((e) => e.name), ['job.json', 'metrics.csv', 'checkpoints/0/state.json']);
    assert.equal(bareEntries[1]!.data.toString('utf8'), 'iteration,dLoss,dAcc,gLoss\n');
  });

  test('404 problem for an unknown job, an unknown iteration or a malformed one', async () => {
    const urls = [
      `/jobs/${crypto.randomUUID()}/checkpoints/10/archive`,
      `/jobs/${id}/checkpoints/11/archive`,
      `/jobs/${id}/checkpoints/30000/archive`,
      ...['abc', '-1', '010', '1e1', '0x0a', '10.0', '99999999', '%20'].map((it) => `/jobs/${id}/checkpoints/${it}/archive`),
      `/jobs/not-a-uuid/checkpoints/10/archive`,
    ];
    for (const url of urls) {
      const res = await t.app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 404, url);
      assert.match(String(res.headers['content-type']), /^application\/problem\+json/, url);
      assert.equal(body(res).code, 'NOT_FOUND', url);
    }
  });

  test('a file missing from the store midway aborts the response: no archive that looks whole', async () => {
    await t.app.infra.store.deletePrefix(`${artifactKeys.checkpointPrefix(id, 10)}/generator`);
    const res = await fetch(`${base}/jobs/${id}/checkpoints/10/archive`);
    assert.equal(res.status, 200, 'the headers went out before the loss was found');
    await assert.rejects(res.arrayBuffer());
  });
});
