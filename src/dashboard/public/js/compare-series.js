// The compare view's loss curves: each job's raw points in buckets of a width shared by all jobs, each bucket's mean
// (the smoothed line) with its min and max (the raw band). No DOM and no uPlot here: unit-tested in node.

/** About this many buckets along the longest job: enough to see the shape, few enough to see the band. */
export const BUCKETS = 200;

/** The bucket width (in iterations) for jobs of these lengths. */
export function bucketWidth(maxIteration) {
  return Math.max(1, Math.ceil(maxIteration / BUCKETS));
}

/**
 * One metric of one job in buckets of `width` iterations ending at multiples of it: x is the bucket's last
 * iteration seen, then mean, min and max of its finite values (null when it has none: a diverged stretch is a gap).
 */
export function bucketed(points, name, width) {
  const x = [];
  const mean = [];
  const min = [];
  const max = [];
  let end = null;
  let acc = null;
  const flush = () => {
    if (!acc) return;
    x.push(acc.last);
    mean.push(acc.n ? acc.sum / acc.n : null);
    min.push(acc.n ? acc.min : null);
    max.push(acc.n ? acc.max : null);
  };
  for (const p of points) {
    const e = Math.ceil(p.iteration / width) * width;
    if (e !== end) {
      flush();
      end = e;
      acc = { last: p.iteration, n: 0, sum: 0, min: Infinity, max: -Infinity };
    }
    acc.last = p.iteration;
    const v = p[name];
    if (typeof v === 'number' && Number.isFinite(v)) {
      acc.n++;
      acc.sum += v;
      acc.min = Math.min(acc.min, v);
      acc.max = Math.max(acc.max, v);
    }
  }
  flush();
  return { x, mean, min, max };
}
