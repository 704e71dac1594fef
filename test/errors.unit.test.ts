// Every error class of src/ is on the one error base, and maps to an HTTP status, a retry decision and a CLI line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Fastify from 'fastify';
import errorHandler from '../src/api/plugins/error-handler.js';
import { AppError, isAppError, retryOf, type Retry } from '../src/errors.js';
import * as api from '../src/api/services/errors.js';
import { ConfigError } from '../src/config/env.js';
import { InvalidCheckpointError } from '../src/gan/checkpoint-files.js';
import { DatasetError, IdxFormatError } from '../src/gan/datasets/index.js';
import { ScorerUnavailableError } from '../src/gan/quality/scorer-unavailable-error.js';
import { TrainingDivergedError } from '../src/gan/trainer.js';
import { PrivateRedisError } from '../src/launcher/private-redis.js';
import { StorageError } from '../src/storage/artifact-store.js';
import { ApiError, ConnectionError } from '../src/cli/client/api-client.js';
import { CheckpointDownloadError } from '../src/cli/client/checkpoint-download.js';
import { CliError, expectedFailure } from '../src/cli/cli-failure.js';
import { UsageError } from '../src/cli/train-args.js';
import { isPermanent } from '../src/worker/retry-policy.js';
import { StoredBytesQuotaError } from '../src/jobs/quota.js';
import { DatasetArchiveError } from '../src/datasets/archive-entries.js';
import { DatasetPackError } from '../src/gan/datasets/pack.js';

/** One instance of every error class (two for classes whose status depends on the case), with what it must map to. */
const CASES: { name: string; err: AppError; status: number; retry: Retry }[] = [
  { name: 'NotFoundError', err: new api.NotFoundError('no job x'), status: 404, retry: 'permanent' },
  { name: 'ConflictError', err: new api.ConflictError('job x is already completed'), status: 409, retry: 'permanent' },
  { name: 'TooManyActiveJobsError', err: new api.TooManyActiveJobsError('3 jobs'), status: 429, retry: 'transient' },
  { name: 'RateLimitedError', err: new api.RateLimitedError('slow down', { retryAfterSeconds: 7 }), status: 429, retry: 'transient' },
  { name: 'IdempotencyKeyReusedError', err: new api.IdempotencyKeyReusedError('other body'), status: 422, retry: 'permanent' },
  { name: 'IdempotencyKeyInUseError', err: new api.IdempotencyKeyInUseError('in progress', { retryAfterSeconds: 1 }), status: 409, retry: 'transient' },
  { name: 'UnavailableError', err: new api.UnavailableError('Redis did not answer within 1000 ms'), status: 503, retry: 'transient' },
  { name: 'UnauthorizedError', err: new api.UnauthorizedError('send Authorization: Bearer <key>'), status: 401, retry: 'permanent' },
  { name: 'ForbiddenError', err: new api.ForbiddenError('admin keys only'), status: 403, retry: 'permanent' },
  { name: 'QuotaExceededError', err: new api.QuotaExceededError('over quota', [{ path: 'body.iterations', message: 'too many' }]), status: 422, retry: 'permanent' },
  { name: 'TooManyStreamsError', err: new api.TooManyStreamsError('4 streams open'), status: 429, retry: 'transient' },
  { name: 'StoredBytesQuotaError', err: new StoredBytesQuotaError('project p stores 2 GiB of 1 GiB'), status: 422, retry: 'permanent' },
  { name: 'InvalidParameterError', err: new api.InvalidParameterError('query.label', 'model gan takes no label'), status: 400, retry: 'permanent' },
  { name: 'UnprocessableError', err: new api.UnprocessableError('query.label', 'model cgan has classes 0-9'), status: 422, retry: 'permanent' },
  { name: 'RequestTimeoutError', err: new api.RequestTimeoutError('no byte of the upload for 60000 ms'), status: 408, retry: 'transient' },
  { name: 'PayloadTooLargeError', err: new api.PayloadTooLargeError('the archive is larger than 512 MiB'), status: 413, retry: 'permanent' },
  { name: 'UnsupportedMediaTypeError', err: new api.UnsupportedMediaTypeError('send application/zip'), status: 415, retry: 'permanent' },
  { name: 'DatasetArchiveError', err: new DatasetArchiveError('more than 40 entries'), status: 422, retry: 'permanent' },
  { name: 'DatasetPackError', err: new DatasetPackError('pack.bin: bad magic'), status: 500, retry: 'permanent' },
  { name: 'ConfigError', err: new ConfigError('invalid configuration: PORT: Too big'), status: 500, retry: 'permanent' },
  { name: 'InvalidCheckpointError', err: new InvalidCheckpointError('state.json is missing'), status: 500, retry: 'permanent' },
  { name: 'DatasetError', err: new DatasetError('fashion-mnist: directory /x not found'), status: 500, retry: 'permanent' },
  { name: 'ScorerUnavailableError', err: new ScorerUnavailableError('dataset d has 20 images'), status: 409, retry: 'permanent' },
  // A corrupt dataset file fails the job at once instead of three attempts (the worker's old hand list missed it).
  { name: 'IdxFormatError', err: new IdxFormatError('/x/train-images-idx3-ubyte', 'bad magic'), status: 500, retry: 'permanent' },
  { name: 'TrainingDivergedError', err: new TrainingDivergedError(7, { iteration: 7, dLoss: NaN, dAcc: 0, gLoss: NaN }), status: 500, retry: 'permanent' },
  { name: 'PrivateRedisError', err: new PrivateRedisError('redis-server exited'), status: 500, retry: 'permanent' },
  { name: 'StorageError', err: new StorageError('ENOSPC: no space left on device'), status: 500, retry: 'permanent' },
  { name: 'StorageError', err: new StorageError('S3 endpoint unreachable', { transient: true }), status: 503, retry: 'transient' },
  { name: 'ApiError', err: new ApiError(404, 'Not Found', 'no job x'), status: 404, retry: 'permanent' },
  { name: 'ApiError', err: new ApiError(503, 'Service Unavailable', 'shutting down'), status: 503, retry: 'transient' },
  { name: 'ConnectionError', err: new ConnectionError('connect ECONNREFUSED 127.0.0.1:3000'), status: 503, retry: 'transient' },
  { name: 'CheckpointDownloadError', err: new CheckpointDownloadError('the archive holds no state.json'), status: 500, retry: 'permanent' },
  { name: 'CliError', err: new CliError('runs/a already holds a checkpoint'), status: 400, retry: 'permanent' },
  { name: 'UsageError', err: new UsageError('unknown flag --x'), status: 400, retry: 'permanent' },
];

const SRC = path.resolve(import.meta.dirname, '../src');
const sources = readdirSync(SRC, { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.ts'))
  .map((f) => ({ file: f, text: readFileSync(path.join(SRC, f), 'utf8') }));

test('every error class in src/ is on the error base, and every concrete one is listed here', () => {
  const classes = sources.flatMap(({ file, text }) =>
    [...text.matchAll(/^(?:export )?(abstract )?class (\w+) extends (\w+)/gm)].map((m) => ({ file, abstract: !!m[1], name: m[2]!, base: m[3]! })),
  );
  const errorClasses = classes.filter((c) => /Error$/.test(c.name));
  assert.ok(errorClasses.length > 10, 'the scan finds the classes');
  for (const c of errorClasses.filter((c) => c.name !== 'AppError')) {
    assert.notEqual(c.base, 'Error', `${c.file}: ${c.name} extends Error, not AppError`);
  }
  const concrete = errorClasses.filter((c) => !c.abstract).map((c) => c.name);
  assert.deepEqual([...new Set(CASES.map((c) => c.name))].sort(), [...new Set(concrete)].sort());
});

test('each error has a stable code, its status and retry decision; codes are unique per class', () => {
  const codeOf = new Map<string, string>();
  for (const { name, err, status, retry } of CASES) {
    assert.equal(err.constructor.name, name);
    assert.ok(isAppError(err), name);
    assert.match(err.code, /^[A-Z][A-Z0-9_]*$/, name);
    assert.equal(err.status, status, `${name} status`);
    assert.equal(err.retry, retry, `${name} retry`);
    assert.equal(err.name, name, 'the name is the class name, for logs');
    if (codeOf.has(err.code)) assert.equal(codeOf.get(err.code), name, `${err.code} belongs to one class`);
    codeOf.set(err.code, name);
  }
  // Not on the base: an Error, or something with the same fields (a FastifyError has a code and a statusCode).
  const lookalike = Object.assign(new Error('x'), { code: 'NOT_FOUND', status: 404, retry: 'permanent' });
  assert.equal(isAppError(lookalike), false);
  assert.equal(retryOf(new Error('x')), 'transient', 'an unforeseen error is retried (BullMQ bounds the attempts)');
});

test("the worker's retry policy reads the error's retry decision", () => {
  for (const { name, err, retry } of CASES) assert.equal(isPermanent(err), retry === 'permanent', name);
  assert.equal(isPermanent(new Error('a bug or a blip')), false);
});

test('the API answers each error with its status as problem+json; only errors for the client show their message', async (t) => {
  const app = Fastify({ logger: false });
  await app.register(errorHandler);
  let current: AppError = CASES[0]!.err;
  app.get('/boom', async () => {
    throw current;
  });
  await app.ready();
  t.after(() => app.close());
  for (const { name, err, status } of CASES) {
    current = err;
    const res = await app.inject({ method: 'GET', url: '/boom' });
    assert.equal(res.statusCode, status, name);
    assert.match(String(res.headers['content-type']), /^application\/problem\+json/, name);
    const problem = res.json() as { status: number; code: string; detail: string };
    assert.equal(problem.status, status, name);
    if (err.expose) {
      assert.equal(problem.code, err.code, name);
      assert.equal(problem.detail, err.message, name);
    } else {
      assert.equal(problem.code, 'INTERNAL', `${name}: a 5xx's code and message stay in the log`);
      assert.ok(!problem.detail.includes(err.message), name);
    }
    assert.equal(res.headers['retry-after'], err.retryAfterSeconds === undefined ? undefined : String(err.retryAfterSeconds), name);
  }
});

test('the CLIs print every error on the base as its one line', () => {
  for (const { name, err } of CASES) assert.equal(expectedFailure(err), err.message.split('\n')[0], name);
  assert.equal(expectedFailure(new TypeError('x is undefined')), undefined, 'a bug keeps its stack trace');
  const fsError = Object.assign(new Error("ENOSPC: no space left on device, write 'runs/a/x'"), { code: 'ENOSPC' });
  assert.equal(expectedFailure(fsError), fsError.message);
});
