// Formats the per-iteration progress line of Keras-GAN's models exactly as their Python %-formatting prints it.

/** An iteration and its metrics; dAcc (a fraction in 0..1) is printed as a percentage. */
export type LogLineMetrics = { iteration: number; dLoss: number; gLoss: number } & Record<string, number>;

/**
 * Python: `"%d [D loss: %f, acc.: %.2f%%] [G loss: %f]" % (iteration, d_loss, 100 * d_acc, g_loss)`; without an
 * accuracy (wgan.py) `"%d [D loss: %f] [G loss: %f]"`; further metrics follow as `[name: %f]`.
 */
export function formatLogLine(m: LogLineMetrics): string {
  const d = m.dAcc === undefined ? `[D loss: ${pyFixed(m.dLoss, 6)}]` : `[D loss: ${pyFixed(m.dLoss, 6)}, acc.: ${pyFixed(100 * m.dAcc, 2)}%]`;
  const more = Object.keys(m)
    .filter((k) => !['iteration', 'dLoss', 'dAcc', 'gLoss'].includes(k))
    .map((k) => ` [${k}: ${pyFixed(m[k]!, 6)}]`);
  return `${pyInt(m.iteration)} ${d} [G loss: ${pyFixed(m.gLoss, 6)}]${more.join('')}`;
}

/**
 * Python's `%.<digits>f`. Number.prototype.toFixed also rounds the exact binary value, so the two differ only in
 * exact ties (Python: half to even, 0.125 -> '0.12'; toFixed: half up, '0.13'), in -0 (Python keeps the sign),
 * at 1e21 and above (toFixed switches to exponent notation), and in how NaN and infinities are spelled.
 */
export function pyFixed(x: number, digits: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const sign = x < 0 || Object.is(x, -0) ? '-' : '';
  const abs = Math.abs(x);
  if (abs >= 1e21) {
    // Doubles this large are integers, so BigInt is exact.
    return `${sign}${BigInt(abs)}${digits > 0 ? `.${'0'.repeat(digits)}` : ''}`;
  }
  // 100 decimals is far finer than the distance from any double >= 5e-(digits+1) to a tie it does not equal.
  const long = abs.toFixed(100);
  const cut = long.indexOf('.') + 1 + digits;
  const isTie = /^50*$/.test(long.slice(cut));
  const kept = long.slice(0, digits > 0 ? cut : cut - 1);
  const roundDown = isTie && Number(kept[kept.length - 1]) % 2 === 0;
  return sign + (roundDown ? kept : abs.toFixed(digits));
}

/** Python's %d of a number: int() truncates toward zero. */
function pyInt(x: number): string {
  return Number.isFinite(x) ? BigInt(Math.trunc(x)).toString() : String(x);
}
