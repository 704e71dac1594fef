// A job's loss history for the chart: at most about MAX_POINTS points, each the mean of `every` iterations.

const MAX_POINTS = 2000;

/** The window size that keeps a job of `iterations` iterations under MAX_POINTS points. */
export function windowFor(iterations) {
  return Math.max(1, Math.ceil(iterations / MAX_POINTS));
}

/**
 * Windows end at multiples of `every` (as the API's ?every= windows do) and a point sits at its window's last
 * iteration. Raw points fill the current window, which is drawn as a partial mean until it is complete.
 */
export class LossSeries {
  /** @param {number} every @param {string[]} names the job's metric names, one column each */
  constructor(every, names) {
    this.every = every;
    this.names = names;
    this.x = [];
    this.cols = Object.fromEntries(names.map((n) => [n, []]));
    this.lastIteration = 0;
    this.pending = null;
  }

  /** Points already averaged over whole windows (from GET /jobs/:id/metrics?every=). */
  addWindows(points) {
    for (const p of points) {
      if (p.iteration <= this.lastIteration) continue;
      this.push(p);
      this.lastIteration = p.iteration;
    }
  }

  /** One point per iteration (the SSE `metrics` events); iterations already seen are skipped. */
  addRaw(points) {
    for (const p of points) {
      if (p.iteration <= this.lastIteration) continue;
      const end = Math.ceil(p.iteration / this.every) * this.every;
      if (this.pending && this.pending.end !== end) this.commit();
      this.pending ??= { end, n: 0, iteration: 0, sums: Object.fromEntries(this.names.map((n) => [n, 0])) };
      this.pending.n++;
      this.pending.iteration = p.iteration;
      for (const n of this.names) this.pending.sums[n] = add(this.pending.sums[n], p[n] ?? null);
      this.lastIteration = p.iteration;
      if (p.iteration === end) this.commit();
    }
  }

  get length() {
    return this.x.length + (this.pending ? 1 : 0);
  }

  /** uPlot's data: x, then one array per series, with the unfinished window as the last point. */
  data() {
    const cols = [this.x, ...this.names.map((n) => this.cols[n])];
    if (!this.pending) return cols;
    const mean = this.meanOfPending();
    return [[...this.x, mean.iteration], ...this.names.map((n) => [...this.cols[n], mean[n]])];
  }

  meanOfPending() {
    const { n, iteration, sums } = this.pending;
    const mean = (sum) => (sum === null ? null : sum / n);
    return { iteration, ...Object.fromEntries(this.names.map((name) => [name, mean(sums[name])])) };
  }

  commit() {
    this.push(this.meanOfPending());
    this.pending = null;
  }

  push(p) {
    this.x.push(p.iteration);
    for (const n of this.names) this.cols[n].push(p[n] ?? null);
  }
}

/** A loss the API could not represent (NaN, infinite) arrives as null; a window holding one is drawn as a gap. */
function add(sum, value) {
  return sum === null || value === null ? null : sum + value;
}
