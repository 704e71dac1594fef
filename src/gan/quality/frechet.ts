// Fréchet distance between two sets of feature vectors, in float64: ||mu1 - mu2||^2 + Tr(S1 + S2 - 2 sqrt(S1 S2)).
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';

/** Mean and covariance (n - 1 denominator) of n feature vectors of dimension d. */
export interface FeatureStats {
  n: number;
  d: number;
  mean: Float64Array;
  /** d x d, row-major. */
  cov: Float64Array;
}

/** Stats of `features` (n x d, row-major); n >= 2. */
export function featureStats(features: Float32Array | Float64Array, d: number): FeatureStats {
  const n = features.length / d;
  if (!Number.isInteger(n) || n < 2) throw new Error(`feature stats need at least 2 vectors of ${d}, got ${features.length} values`);
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += features[i * d + j]!;
  for (let j = 0; j < d; j++) mean[j]! /= n;
  const cov = new Float64Array(d * d);
  const centred = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) centred[j] = features[i * d + j]! - mean[j]!;
    for (let a = 0; a < d; a++) {
      const ca = centred[a]!;
      if (ca === 0) continue;
      const row = a * d;
      for (let b = a; b < d; b++) cov[row + b]! += ca * centred[b]!;
    }
  }
  for (let a = 0; a < d; a++) {
    for (let b = a; b < d; b++) {
      const v = cov[a * d + b]! / (n - 1);
      cov[a * d + b] = v;
      cov[b * d + a] = v;
    }
  }
  return { n, d, mean, cov };
}

function toMatrix(values: Float64Array, d: number): Matrix {
  const m = new Matrix(d, d);
  for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) m.set(a, b, values[a * d + b]!);
  return m;
}

/** Eigenvalues of a symmetric matrix (symmetrised first, so rounding cannot make it look otherwise). */
function symmetricEigen(m: Matrix): EigenvalueDecomposition {
  // ml-matrix's arithmetic works in place: every operand here is a fresh copy.
  const sym = m.clone().add(m.transpose()).mul(0.5);
  return new EigenvalueDecomposition(sym, { assumeSymmetric: true });
}

/** The symmetric square root of a positive semi-definite matrix: V diag(sqrt(max(l, 0))) V^T. */
function sqrtPsd(m: Matrix): Matrix {
  const eig = symmetricEigen(m);
  const v = eig.eigenvectorMatrix;
  const roots = eig.realEigenvalues.map((l) => Math.sqrt(Math.max(l, 0)));
  return v.clone().mulRowVector(roots).mmul(v.transpose());
}

/**
 * FD of two feature sets. Tr sqrt(S1 S2) = sum sqrt(eig(sqrt(S1) S2 sqrt(S1))): the inner matrix is symmetric PSD, so
 * symmetric eigendecompositions give it stably (S1 S2 itself is not symmetric). Clamped at 0 against rounding.
 */
export function frechetDistance(a: FeatureStats, b: FeatureStats): number {
  if (a.d !== b.d) throw new Error(`feature dimensions differ: ${a.d} vs ${b.d}`);
  const d = a.d;
  let meanTerm = 0;
  for (let j = 0; j < d; j++) meanTerm += (a.mean[j]! - b.mean[j]!) ** 2;
  let traces = 0;
  for (let j = 0; j < d; j++) traces += a.cov[j * d + j]! + b.cov[j * d + j]!;
  const root1 = sqrtPsd(toMatrix(a.cov, d));
  const inner = root1.mmul(toMatrix(b.cov, d)).mmul(root1);
  const crossTrace = symmetricEigen(inner).realEigenvalues.reduce((sum, l) => sum + Math.sqrt(Math.max(l, 0)), 0);
  return Math.max(0, meanTerm + traces - 2 * crossTrace);
}
