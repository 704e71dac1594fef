// Tests that the progress line matches Python's %-formatting of Keras-GAN's gan.py, including its rounding.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatLogLine, pyFixed } from '../../src/cli/log-line.js';

test('formats the Keras-GAN line', () => {
  assert.equal(
    formatLogLine({ iteration: 100, dLoss: 0.6123454, dAcc: 0.671875, gLoss: 0.9012341 }),
    '100 [D loss: 0.612345, acc.: 67.19%] [G loss: 0.901234]',
  );
  assert.equal(formatLogLine({ iteration: 0, dLoss: 0, dAcc: 1, gLoss: 12.5 }), '0 [D loss: 0.000000, acc.: 100.00%] [G loss: 12.500000]');
  assert.equal(formatLogLine({ iteration: 7, dLoss: NaN, dAcc: 0, gLoss: Infinity }), '7 [D loss: nan, acc.: 0.00%] [G loss: inf]');
});

// Expected strings are what CPython 3 prints for '%.<d>f' % x.
const cases: [number, number, string][] = [
  [0.125, 2, '0.12'], // exact tie: half to even
  [0.375, 2, '0.38'],
  [2.5, 0, '2'],
  [3.5, 0, '4'],
  [-0.125, 2, '-0.12'],
  [0.1 + 0.2, 6, '0.300000'],
  [1.0000005, 6, '1.000001'], // not a tie in binary: 1.0000005 is stored just above
  [0.0000015, 6, '0.000002'], // stored just above
  [-0, 6, '-0.000000'],
  [-1e-9, 6, '-0.000000'],
  [1e22, 6, '10000000000000000000000.000000'],
  [-Infinity, 6, '-inf'],
  [67.1875, 2, '67.19'],
  [67.1825, 2, '67.18'],
];

test('pyFixed matches Python %f rounding', () => {
  for (const [x, digits, expected] of cases) assert.equal(pyFixed(x, digits), expected, `%.${digits}f % ${x}`);
});
