// Tests the CLI's run directory: checkpoint round-trip and atomicity, latest-checkpoint lookup, samples, metrics.csv.
import { metricNames } from '../../src/contract/job.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  MetricsCsvWriter,
  cleanTempCheckpoints,
  findLatestCheckpoint,
  readCheckpoint,
  writeCheckpoint,
  writeSample,
  type CheckpointFiles,
} from '../../src/cli/run-dir.js';

async function withOutDir(fn: (out: string) => Promise<void>): Promise<void> {
  const out = await mkdtemp(join(tmpdir(), 'ganforge-run-dir-'));
  try {
    await fn(out);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

function checkpoint(iteration: number): CheckpointFiles {
  const enc = new TextEncoder();
  return new Map([
    ['generator/model.json', enc.encode('{"g":1}')],
    ['generator/weights.bin', new Uint8Array([0, 1, 2, 255])],
    ['discriminator/model.json', enc.encode('{"d":1}')],
    ['optimizers.bin', new Uint8Array(1000).fill(7)],
    ['state.json', enc.encode(JSON.stringify({ iteration }))],
  ]);
}

test('a checkpoint reads back byte for byte', () =>
  withOutDir(async (out) => {
    const files = checkpoint(200);
    const dir = await writeCheckpoint(out, 200, files);
    assert.equal(dir, join(out, 'checkpoints', '200'));
    const back = await readCheckpoint(dir);
    assert.deepEqual([...back.keys()].sort(), [...files.keys()].sort());
    for (const [k, v] of files) assert.deepEqual(back.get(k), v, k);
    assert.deepEqual(await readdir(join(out, 'checkpoints')), ['200'], 'no temporary directory left behind');
  }));

test('rewriting an existing iteration replaces it', () =>
  withOutDir(async (out) => {
    await writeCheckpoint(out, 100, new Map([['state.json', new TextEncoder().encode('old')], ['stale.bin', new Uint8Array(1)]]));
    await writeCheckpoint(out, 100, checkpoint(100));
    const back = await readCheckpoint(join(out, 'checkpoints', '100'));
    assert.equal(back.has('stale.bin'), false);
    assert.equal(new TextDecoder().decode(back.get('state.json')), '{"iteration":100}');
    assert.deepEqual(await readdir(join(out, 'checkpoints')), ['100']);
  }));

test('latest checkpoint: highest complete numeric directory, ignoring leftovers', () =>
  withOutDir(async (out) => {
    assert.equal(await findLatestCheckpoint(out), null, 'no checkpoints directory yet');
    await writeCheckpoint(out, 1000, checkpoint(1000));
    await writeCheckpoint(out, 3000, checkpoint(3000));
    await writeCheckpoint(out, 2000, checkpoint(2000));
    const root = join(out, 'checkpoints');
    // A write killed before its rename, a numeric dir without state.json, and foreign names.
    await mkdir(join(root, '.tmp-4000-123-abcd', 'generator'), { recursive: true });
    await writeFile(join(root, '.tmp-4000-123-abcd', 'state.json'), '{"iteration":4000}');
    await mkdir(join(root, '5000'));
    await mkdir(join(root, 'backup-9000'));
    await writeFile(join(root, '9999'), 'a file, not a directory');
    assert.deepEqual(await findLatestCheckpoint(out), { iteration: 3000, dir: join(root, '3000') });

    assert.deepEqual(await cleanTempCheckpoints(out), ['.tmp-4000-123-abcd']);
    assert.deepEqual((await readdir(root)).sort(), ['1000', '2000', '3000', '5000', '9999', 'backup-9000']);
  }));

test('checkpoint paths may not escape the directory', () =>
  withOutDir(async (out) => {
    for (const bad of ['../evil', '/abs', 'a//b', 'a\\b', './x']) {
      await assert.rejects(writeCheckpoint(out, 1, new Map([[bad, new Uint8Array(1)]])), /relative posix path/, bad);
    }
    await assert.rejects(writeCheckpoint(out, -1, checkpoint(1)), /non-negative integer/);
  }));

test('sample PNG is written under samples/<iteration>.png', () =>
  withOutDir(async (out) => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47]);
    const path = await writeSample(out, 400, png);
    assert.equal(path, join(out, 'samples', '400.png'));
    assert.deepEqual(new Uint8Array(await readFile(path)), png);
    await writeSample(out, 400, new Uint8Array([1]));
    assert.deepEqual(await readdir(join(out, 'samples')), ['400.png']);
  }));

test('metrics.csv: buffered rows, flushed before a checkpoint, full precision', () =>
  withOutDir(async (out) => {
    const csv = join(out, 'metrics.csv');
    const metrics = await MetricsCsvWriter.open(out, metricNames('gan'));
    metrics.append({ iteration: 1, dLoss: 0.1 + 0.2, dAcc: 0.5, gLoss: 1 / 3 });
    assert.equal(await readFile(csv, 'utf8'), 'iteration,dLoss,dAcc,gLoss\n', 'not written before a flush');
    await writeCheckpoint(out, 1, checkpoint(1), metrics);
    assert.equal(await readFile(csv, 'utf8'), 'iteration,dLoss,dAcc,gLoss\n1,0.30000000000000004,0.5,0.3333333333333333\n');
    metrics.append({ iteration: 2, dLoss: 1, dAcc: 0, gLoss: 2 });
    await metrics.close();
    assert.match(await readFile(csv, 'utf8'), /\n2,1,0,2\n$/);
    assert.throws(() => metrics.append({ iteration: 3, dLoss: 1, dAcc: 0, gLoss: 2 }), /after close/);
  }));

test('metrics.csv: resuming from iteration k drops later rows and a torn last line', () =>
  withOutDir(async (out) => {
    const csv = join(out, 'metrics.csv');
    await writeFile(csv, 'iteration,dLoss,dAcc,gLoss\n1,0.5,0.5,0.7\n2,0.4,0.6,0.8\n3,0.3,0.7,0.9\n4,0.2,0.8');
    const metrics = await MetricsCsvWriter.open(out, metricNames('gan'), { resumeFrom: 2 });
    assert.equal(await readFile(csv, 'utf8'), 'iteration,dLoss,dAcc,gLoss\n1,0.5,0.5,0.7\n2,0.4,0.6,0.8\n');
    metrics.append({ iteration: 3, dLoss: 0.25, dAcc: 0.75, gLoss: 1 });
    await metrics.close();
    assert.equal(
      await readFile(csv, 'utf8'),
      'iteration,dLoss,dAcc,gLoss\n1,0.5,0.5,0.7\n2,0.4,0.6,0.8\n3,0.25,0.75,1\n',
    );
    assert.deepEqual((await readdir(out)).sort(), ['metrics.csv'], 'no temporary file left behind');
  }));

test('metrics.csv: resuming without a file starts one; a fresh run replaces an old file; a foreign file is refused', () =>
  withOutDir(async (out) => {
    const csv = join(out, 'metrics.csv');
    await (await MetricsCsvWriter.open(out, metricNames('gan'), { resumeFrom: 5 })).close();
    assert.equal(await readFile(csv, 'utf8'), 'iteration,dLoss,dAcc,gLoss\n');
    await writeFile(csv, 'iteration,dLoss,dAcc,gLoss\n1,1,1,1\n');
    await (await MetricsCsvWriter.open(out, metricNames('gan'))).close();
    assert.equal(await readFile(csv, 'utf8'), 'iteration,dLoss,dAcc,gLoss\n');
    await writeFile(csv, 'epoch,loss\n1,2\n');
    await assert.rejects(MetricsCsvWriter.open(out, metricNames('gan'), { resumeFrom: 1 }), /unexpected header/);
  }));
