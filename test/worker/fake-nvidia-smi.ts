// Test stand-in for GPU hardware: a bash `nvidia-smi` in a temp dir, put first on a worker's PATH.
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { shellQuote } from '../../src/contract/run-directory.js';

export const FAKE_GPUS = [
  { index: 0, uuid: 'GPU-11111111-aaaa-4bbb-8ccc-000000000000', name: 'NVIDIA Fake A100-SXM4-40GB', memoryMiB: 40960 },
  { index: 1, uuid: 'GPU-22222222-aaaa-4bbb-8ccc-000000000001', name: 'NVIDIA Fake A100-SXM4-40GB', memoryMiB: 40960 },
];

export interface FakeNvidiaSmi {
  /** PATH with the fake first, then this process's PATH (so `node` and `bash` are still found). */
  path: string;
  remove(): Promise<void>;
}

/**
 * Writes a `nvidia-smi` that answers the worker's query (and only it: other arguments exit 2) by printing `stdout`
 * and exiting with `exitCode`. The default prints FAKE_GPUS the way the real one formats them.
 */
export async function fakeNvidiaSmi(
  stdout = FAKE_GPUS.map((g) => `${g.index}, ${g.uuid}, ${g.name}, ${g.memoryMiB}`).join('\n') + '\n',
  exitCode = 0,
): Promise<FakeNvidiaSmi> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gf-nvidia-smi-'));
  const script = `#!/bin/bash
if [ "$*" != "--query-gpu=index,uuid,name,memory.total --format=csv,noheader,nounits" ]; then
  echo "fake nvidia-smi: unexpected arguments: $*" >&2
  exit 2
fi
printf '%s' ${shellQuote(stdout)}
exit ${exitCode}
`;
  await writeFile(path.join(dir, 'nvidia-smi'), script);
  await chmod(path.join(dir, 'nvidia-smi'), 0o755);
  return { path: `${dir}${path.delimiter}${process.env.PATH ?? ''}`, remove: () => rm(dir, { recursive: true, force: true }) };
}
