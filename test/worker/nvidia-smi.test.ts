// nvidia-smi's CSV parsed into GPUs, listGpus against fake nvidia-smi scripts, and GANFORGE_GPU's parsing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadEnv } from '../../src/config/env.js';
import { listGpus, parseNvidiaSmiCsv } from '../../src/worker/nvidia-smi.js';
import { FAKE_GPUS, fakeNvidiaSmi } from './fake-nvidia-smi.js';

const A = 'GPU-5b2a3c7e-1d2f-4f6a-9b8c-0123456789ab';
const B = 'GPU-dae76d0e-3414-958a-8f3e-fc6682b36f31';

test('parses index, uuid, name and memory; odd spacing, CRLF, blank lines and index order do not matter', () => {
  const csv = `\r\n  1 ,${B} ,  Tesla V100-SXM2-32GB,32510  \r\n0, ${A}, NVIDIA A100-SXM4-40GB, 40960\r\n\r\n`;
  assert.deepEqual(parseNvidiaSmiCsv(csv), [
    { index: 0, uuid: A, name: 'NVIDIA A100-SXM4-40GB', memoryMiB: 40960 },
    { index: 1, uuid: B, name: 'Tesla V100-SXM2-32GB', memoryMiB: 32510 },
  ]);
});

test('a name with a comma stays whole; memory [N/A] is null', () => {
  assert.deepEqual(parseNvidiaSmiCsv(`0, ${A}, Some GPU, Rev. 2, [N/A]\n`), [
    { index: 0, uuid: A, name: 'Some GPU, Rev. 2', memoryMiB: null },
  ]);
});

test('no lines: no GPUs', () => {
  assert.deepEqual(parseNvidiaSmiCsv(''), []);
  assert.deepEqual(parseNvidiaSmiCsv('\n  \n'), []);
});

test('anything else is an error naming the line and what is wrong', () => {
  const cases: [string, RegExp][] = [
    ['No devices were found', /line 1: expected "index, uuid, name, memory.total": "No devices were found"/],
    [`index, uuid, name, memory.total [MiB]\n0, ${A}, X, 1`, /line 1: index "index" is not a number/],
    [`0, ${A}, X, 1\n1, 1234, X, 1`, /line 2: "1234" is not a GPU UUID/],
    [`0, ${A}, , 1`, /line 1: empty name/],
    [`0, ${A}, X, 40960 MiB`, /line 1: memory.total "40960 MiB" is not a number of MiB/],
    [`0, ${A}, X, 1\n1, ${A}, X, 1`, new RegExp(`lists GPU ${A} twice`)],
  ];
  for (const [csv, message] of cases) assert.throws(() => parseNvidiaSmiCsv(csv), message, csv);
});

test('listGpus runs nvidia-smi from PATH with the query, and gives a reason for every way to find no GPU', async () => {
  const run = async (stdout: string | undefined, exitCode?: number) => {
    const fake = await fakeNvidiaSmi(stdout, exitCode);
    try {
      return await listGpus({ PATH: fake.path });
    } finally {
      await fake.remove();
    }
  };
  assert.deepEqual(await run(undefined), { gpus: FAKE_GPUS });
  assert.deepEqual(await listGpus({ PATH: '/nonexistent' }), {
    gpus: [],
    reason: 'nvidia-smi not found (no NVIDIA driver, or a container without the utility driver capability)',
  });
  assert.deepEqual(await run("NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.\n", 9), {
    gpus: [],
    reason: "nvidia-smi failed (exit 9): NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.",
  });
  assert.deepEqual(await run('', 0), { gpus: [], reason: 'nvidia-smi lists no GPU' });
  const garbage = await run('<html>oops</html>\n', 0);
  assert.deepEqual(garbage.gpus, []);
  assert.match(garbage.reason!, /^nvidia-smi output line 1: expected/);
});

test('GANFORGE_GPU: auto by default, all, none, or a list of indices and UUIDs; anything else names the variable', () => {
  const parse = (v?: string) => loadEnv(v === undefined ? {} : { GANFORGE_GPU: v }).GANFORGE_GPU;
  assert.deepEqual(parse(), { mode: 'auto' });
  assert.deepEqual(parse(' all '), { mode: 'all' });
  assert.deepEqual(parse('none'), { mode: 'none' });
  assert.deepEqual(parse(`2, ${A},2`), { mode: 'list', ids: ['2', A] });
  for (const bad of ['yes', '0,,1', 'GPU-123', '-1', '0;1']) {
    assert.throws(
      () => parse(bad),
      (e: unknown) => e instanceof ConfigError && /^invalid configuration: GANFORGE_GPU: auto, all, none or a comma-separated list/.test(e.message),
      bad,
    );
  }
  assert.equal(loadEnv({}).GANFORGE_GPU_LEASE_TTL_MS, 30_000);
  assert.throws(() => loadEnv({ GANFORGE_GPU_LEASE_TTL_MS: '500' }), /GANFORGE_GPU_LEASE_TTL_MS: Too small/);
});
