// A job's backend label back to the --backend value the trainer takes (the hint `ganforge checkpoint` prints).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BACKENDS, backendFlagOf } from '../../src/contract/backends.js';
import { parseTrainArgs } from '../../src/cli/train-args.js';

test('backendFlagOf: every label the engine reports maps to a --backend value the trainer accepts', () => {
  const cases: [string, string | undefined][] = [
    ['wasm+onednn', 'wasm'],
    ['wasm+openblas', 'wasm'],
    ['wasm', 'wasm-plain'],
    ['tensorflow', 'tensorflow'],
    ['cpu', 'cpu'],
    ['webgl', undefined],
    ['', undefined],
  ];
  for (const [label, flag] of cases) {
    assert.equal(backendFlagOf(label), flag, label);
    if (flag === undefined) continue;
    assert.ok((BACKENDS as readonly string[]).includes(flag));
    const parsed = parseTrainArgs(['--backend', flag, '--out', 'DIR']);
    assert.equal(parsed.help === false && parsed.backend, flag);
  }
});
