// The environment schemas per process role: shared parts agree, each role's own defaults, and errors name the variable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, FASHION_MNIST_DEFAULT_DIR, loadEnv, loadLauncherEnv, loadTrainEnv } from '../../src/config/env.js';
import { BACKENDS } from '../../src/contract/backends.js';

test('the engine variables read the same in every role that trains', () => {
  const vars = { GANFORGE_BACKEND: 'wasm', GANFORGE_MNIST_DIR: '/data/mnist', GANFORGE_FASHION_MNIST_DIR: '/data/fashion' };
  const pick = (e: { GANFORGE_BACKEND: string; GANFORGE_MNIST_DIR?: string; GANFORGE_FASHION_MNIST_DIR: string }) => ({
    GANFORGE_BACKEND: e.GANFORGE_BACKEND,
    GANFORGE_MNIST_DIR: e.GANFORGE_MNIST_DIR,
    GANFORGE_FASHION_MNIST_DIR: e.GANFORGE_FASHION_MNIST_DIR,
  });
  assert.deepEqual(pick(loadTrainEnv(vars)), vars);
  assert.deepEqual(pick(loadEnv(vars)), vars);
  assert.deepEqual(pick(loadLauncherEnv(vars)), vars);
  assert.equal(loadTrainEnv({}).GANFORGE_FASHION_MNIST_DIR, FASHION_MNIST_DEFAULT_DIR);
  assert.equal(loadTrainEnv({}).GANFORGE_MNIST_DIR, undefined);
});

test('GANFORGE_BACKEND takes auto and every backend the engine knows, and names itself otherwise', () => {
  for (const name of ['auto', ...BACKENDS]) assert.equal(loadTrainEnv({ GANFORGE_BACKEND: name }).GANFORGE_BACKEND, name);
  assert.throws(() => loadTrainEnv({ GANFORGE_BACKEND: 'webgl' }), (e: unknown) => e instanceof ConfigError && /^invalid configuration: GANFORGE_BACKEND: /.test(e.message));
  assert.throws(() => loadEnv({ GANFORGE_BACKEND: 'webgl' }), /GANFORGE_BACKEND/);
});

test('the launcher: loopback HOST, no REDIS_URL means its own Redis, GANFORGE_WORKERS checked', () => {
  const env = loadLauncherEnv({});
  assert.equal(env.HOST, '127.0.0.1');
  assert.equal(env.REDIS_URL, undefined);
  assert.equal(env.GANFORGE_WORKERS, 1);
  assert.equal(loadLauncherEnv({ REDIS_URL: '' }).REDIS_URL, undefined, 'empty counts as unset');
  assert.equal(loadLauncherEnv({ REDIS_URL: 'redis://h:1' }).REDIS_URL, 'redis://h:1');
  assert.throws(() => loadLauncherEnv({ GANFORGE_WORKERS: '65' }), /GANFORGE_WORKERS: Too big/);
  // The services themselves listen everywhere by default (in a container) and always have a Redis address.
  assert.equal(loadEnv({}).HOST, '0.0.0.0');
  assert.equal(loadEnv({}).REDIS_URL, 'redis://127.0.0.1:6379');
});

test('every role checks the S3 bucket the same way', () => {
  for (const load of [loadEnv, loadLauncherEnv]) {
    assert.throws(() => load({ GANFORGE_STORAGE: 's3' }), /GANFORGE_S3_BUCKET: required when GANFORGE_STORAGE=s3/);
  }
});
