// Tests the trainer's flag parsing: defaults, every flag mapped to its config key, and one-line usage errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TRAIN_USAGE, UsageError, parseTrainArgs } from '../../src/cli/train-args.js';
import { resumeCommand, trainFlags } from '../../src/contract/run-directory.js';
import { trainConfig } from '../../src/gan/train-config.js';

function parseOk(argv: string[]) {
  const args = parseTrainArgs(argv);
  assert.equal(args.help, false);
  if (args.help) throw new Error('unreachable');
  return args;
}

function usageError(argv: string[]): string {
  try {
    parseTrainArgs(argv);
  } catch (err) {
    assert.ok(err instanceof UsageError, `expected UsageError, got ${String(err)}`);
    assert.equal(err.code, 'USAGE');
    assert.doesNotMatch(err.message, /\n/, 'one line');
    return err.message;
  }
  assert.fail(`expected ${JSON.stringify(argv)} to be rejected`);
}

test('only --out given: config defaults', () => {
  assert.deepEqual(parseOk(['--out', 'runs/a']), {
    help: false,
    config: trainConfig(),
    out: 'runs/a',
    resume: false,
    backend: 'auto',
    logEvery: 100,
  });
});

test('every flag reaches its key', () => {
  const args = parseOk([
    '--dataset', 'fashion-mnist',
    '--iterations', '500',
    '--batch-size=64',
    '--sample-interval', '50',
    '--checkpoint-interval', '100',
    '--seed', '42',
    '--out', 'runs/b',
    '--resume',
    '--latent-dim', '32',
    '--learning-rate', '1e-3',
    '--beta1', '0.9',
    '--beta2', '.99',
    '--backend', 'wasm',
    '--log-every', '10',
  ]);
  assert.deepEqual(args, {
    help: false,
    config: trainConfig({
      dataset: 'fashion-mnist',
      iterations: 500,
      batchSize: 64,
      sampleInterval: 50,
      checkpointInterval: 100,
      seed: 42,
      latentDim: 32,
      learningRate: 0.001,
      beta1: 0.9,
      beta2: 0.99,
    }),
    out: 'runs/b',
    resume: true,
    backend: 'wasm',
    logEvery: 10,
  });
});

test("trainFlags gives the flags of every field, which parse back to the same config (a job's spec)", () => {
  const config = trainConfig({
    dataset: 'fashion-mnist',
    iterations: 777,
    batchSize: 3,
    latentDim: 7,
    learningRate: 1.25e-7,
    beta1: 0.1 + 0.2,
    beta2: 0.987654321,
    sampleInterval: 11,
    checkpointInterval: 13,
    seed: 2 ** 31 - 1,
    sampleGrid: 2,
  });
  const flags = trainFlags(config);
  assert.deepEqual(
    flags.filter((f) => f.startsWith('--')),
    ['--model', '--dataset', '--iterations', '--batch-size', '--latent-dim', '--learning-rate', '--beta1', '--beta2',
      '--sample-interval', '--checkpoint-interval', '--seed', '--sample-grid'],
  );
  assert.deepEqual(parseOk(['--out', 'o', ...flags]).config, config);
  assert.equal(
    resumeCommand("runs/it's here", trainConfig({ seed: 5 })),
    "npm run train -- --resume --out 'runs/it'\\''s here' --model gan --dataset mnist --iterations 30000 --batch-size 128 " +
      '--latent-dim 100 --learning-rate 0.0002 --beta1 0.5 --beta2 0.999 --sample-interval 200 --checkpoint-interval 1000 ' +
      '--seed 5 --sample-grid 5',
  );
});

test('--help wins over everything else', () => {
  assert.deepEqual(parseTrainArgs(['--foo', '--help']), { help: true });
  assert.deepEqual(parseTrainArgs(['-h']), { help: true });
  assert.match(TRAIN_USAGE, /--checkpoint-interval N .*default 1000/);
});

test('bad values name the flag, the rule and the value', () => {
  const out = ['--out', 'x'];
  assert.equal(usageError([...out, '--batch-size', '0']), '--batch-size: must be an integer between 1 and 1024, got "0"');
  assert.equal(usageError([...out, '--batch-size', '12abc']), '--batch-size: must be an integer between 1 and 1024, got "12abc"');
  assert.equal(usageError([...out, '--iterations', '1.5']), '--iterations: must be an integer between 1 and 1000000, got "1.5"');
  assert.equal(usageError([...out, '--seed=']), '--seed: must be an integer between 0 and 2147483647, got ""');
  assert.equal(usageError([...out, '--learning-rate', '0']), '--learning-rate: must be a number > 0 and <= 1, got "0"');
  assert.equal(usageError([...out, '--beta1', '1']), '--beta1: must be a number >= 0 and < 1, got "1"');
  assert.equal(usageError([...out, '--beta2', 'NaN']), '--beta2: must be a number >= 0 and < 1, got "NaN"');
  assert.equal(usageError([...out, '--dataset', 'cifar10']), '--dataset: must be one of mnist, fashion-mnist, got "cifar10" (uploaded datasets train through the service)');
  const upload = '2b7f0b9e-8a4c-4d7e-9f3a-1c2d3e4f5a6b';
  assert.equal(usageError([...out, '--dataset', upload]), `--dataset: must be one of mnist, fashion-mnist, got "${upload}" (uploaded datasets train through the service)`);
  assert.equal(
    usageError([...out, '--backend', 'gpu']),
    '--backend: must be one of auto, tensorflow-gpu, tensorflow, wasm, wasm-plain, cpu, got "gpu"',
  );
  assert.equal(usageError([...out, '--log-every', '0']), '--log-every: must be an integer between 1 and 1000000, got "0"');
  assert.equal(usageError(['--out=']), '--out: must be a non-empty string, got ""');
});

test('malformed command lines', () => {
  assert.equal(usageError([]), 'missing required flag --out');
  assert.equal(usageError(['--out', 'x', '--foo']), 'unknown flag --foo');
  assert.equal(usageError(['--out', 'x', '-x']), 'unknown flag -x');
  assert.equal(usageError(['--out', 'x', 'extra']), 'unexpected argument "extra"');
  assert.equal(usageError(['--out']), '--out: missing value');
  assert.match(usageError(['--out', '--resume']), /^--out: missing value/);
  assert.equal(usageError(['--out', 'x', '--resume=yes']), '--resume: takes no value');
});

test('--model picks the model and its defaults; an option of another model is one line naming the flag and its models', () => {
  const wgan = parseTrainArgs(['--out', 'x', '--model', 'wgan', '--n-critic', '3']);
  assert.ok(!wgan.help);
  assert.equal(wgan.config.model, 'wgan');
  assert.deepEqual(
    [(wgan.config as { nCritic: number }).nCritic, wgan.config.learningRate, (wgan.config as { clipValue: number }).clipValue],
    [3, 0.00005, 0.01],
  );
  assert.throws(() => parseTrainArgs(['--out', 'x', '--clip-value', '0.1']), /^UsageError: --clip-value: not an option of model gan; it belongs to wgan$/);
  assert.throws(() => parseTrainArgs(['--out', 'x', '--model', 'wgan', '--beta1', '0.5']), /--beta1: not an option of model wgan; it belongs to gan, dcgan, cgan, lsgan/);
  assert.throws(() => parseTrainArgs(['--out', 'x', '--model', 'biggan']), /--model: must be one of gan, dcgan, cgan, lsgan, wgan, wgan-gp, got "biggan"/);
  assert.throws(() => parseTrainArgs(['--out', 'x', '--model', 'wgan-gp', '--gp-weight=-1']), /--gp-weight: must be a number between 0 and 1000/);
});

test("a wgan-gp spec's trainer flags parse back to the same config (the resume command of its checkpoint archives)", () => {
  const config = trainConfig({ model: 'wgan-gp', nCritic: 3, gpWeight: 5, seed: 7 });
  const args = parseOk(['--out', 'x', ...trainFlags(config)]);
  assert.deepEqual(args.config, config);
  assert.ok(trainFlags(config).includes('--gp-weight'));
});
