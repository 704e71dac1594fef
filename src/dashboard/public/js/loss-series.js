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
  constructor(every) {
    this.every = every;
    this.x = [];
    this.dLoss = [];
    this.gLoss = [];
    this.dAcc = [];
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
      this.pending ??= { end, n: 0, iteration: 0, dLoss: 0, dAcc: 0, gLoss: 0 };
      Object.assign(this.pending, {
        n: this.pending.n + 1,
        iteration: p.iteration,
        dLoss: add(this.pending.dLoss, p.dLoss),
        dAcc: add(this.pending.dAcc, p.dAcc),
        gLoss: add(this.pending.gLoss, p.gLoss),
      });
      this.lastIteration = p.iteration;
      if (p.iteration === end) this.commit();
    }
  }

  get length() {
    return this.x.length + (this.pending ? 1 : 0);
  }

  /** uPlot's data: x, then one array per series, with the unfinished window as the last point. */
  data() {
    const cols = [this.x, this.dLoss, this.gLoss, this.dAcc];
    if (!this.pending) return cols;
    const mean = this.meanOfPending();
    return [[...this.x, mean.iteration], [...this.dLoss, mean.dLoss], [...this.gLoss, mean.gLoss], [...this.dAcc, mean.dAcc]];
  }

  meanOfPending() {
    const { n, iteration, dLoss, dAcc, gLoss } = this.pending;
    const mean = (sum) => (sum === null ? null : sum / n);
    return { iteration, dLoss: mean(dLoss), dAcc: mean(dAcc), gLoss: mean(gLoss) };
  }

  commit() {
    this.push(this.meanOfPending());
    this.pending = null;
  }

  push(p) {
    this.x.push(p.iteration);
    this.dLoss.push(p.dLoss);
    this.gLoss.push(p.gLoss);
    this.dAcc.push(p.dAcc);
  }
}

/** A loss the API could not represent (NaN, infinite) arrives as null; a window holding one is drawn as a gap. */
function add(sum, value) {
  return sum === null || value === null ? null : sum + value;
}
