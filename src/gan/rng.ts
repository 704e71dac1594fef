// Counter-based randomness: every draw is a pure function of (seed, iteration, stream), so resuming needs no RNG state.
export const STREAM = { batch: 1, noiseD: 2, noiseG: 3, sample: 4, labelsG: 5, alpha: 6, dropout: 7 } as const;

/** The stream of critic step k (k = 0 is the stream itself): models with several D steps per iteration draw anew for each. */
export const criticStream = (stream: number, k: number): number => stream + 16 * k;

/** murmur3's 32-bit finaliser: a cheap, well-mixed hash step. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A mulberry32 generator keyed by (seed, iteration, stream). */
export function rngFor(seed: number, iteration: number, stream: number): () => number {
  let state = fmix32(fmix32(fmix32(seed ^ 0x9e3779b9) ^ iteration) ^ Math.imul(stream, 0x27d4eb2d));
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n standard normal draws (Box-Muller). */
export function normals(rand: () => number, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = 1 - rand(); // (0, 1]: log never sees 0
    const v = rand();
    const r = Math.sqrt(-2 * Math.log(u));
    out[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
  return out;
}

/** n indices drawn uniformly from [0, size), with replacement, as Keras-GAN's np.random.randint does. */
export function randomIndices(rand: () => number, n: number, size: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(rand() * size);
  return out;
}
