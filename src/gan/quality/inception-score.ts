// Classifier Inception Score and conditional label accuracy from class probabilities (n x K, row-major).

/** IS = exp(mean_i KL(p(y|x_i) || p(y))), p(y) the mean prediction: 1 for identical predictions, K for confident, balanced ones. */
export function inceptionScore(probs: Float32Array | Float64Array, classes: number): number {
  const n = probs.length / classes;
  if (!Number.isInteger(n) || n < 1) throw new Error(`inception score needs n x ${classes} probabilities, got ${probs.length} values`);
  const marginal = new Float64Array(classes);
  for (let i = 0; i < n; i++) for (let k = 0; k < classes; k++) marginal[k]! += probs[i * classes + k]!;
  for (let k = 0; k < classes; k++) marginal[k]! /= n;
  let kl = 0;
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < classes; k++) {
      const p = probs[i * classes + k]!;
      // 0 log 0 = 0; p > 0 implies marginal > 0.
      if (p > 0) kl += p * Math.log(p / marginal[k]!);
    }
  }
  return Math.exp(kl / n);
}

/** The class each row predicts (its largest probability; the lowest index on ties). */
export function argmaxRows(probs: Float32Array | Float64Array, classes: number): Int32Array {
  const n = probs.length / classes;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let k = 1; k < classes; k++) if (probs[i * classes + k]! > probs[i * classes + best]!) best = k;
    out[i] = best;
  }
  return out;
}

/** The fraction of rows predicted as their label. */
export function labelAccuracy(probs: Float32Array | Float64Array, classes: number, labels: ArrayLike<number>): number {
  const predicted = argmaxRows(probs, classes);
  let hits = 0;
  for (let i = 0; i < predicted.length; i++) if (predicted[i] === labels[i]) hits++;
  return hits / predicted.length;
}
