// Every iteration's metrics, packed as one float32 per metric name (12 bytes for gan) at a fixed offset: idempotent rewrites, cheap paging.
import type { Redis } from 'ioredis';
import { redisKeys, type RedisKeys } from '../contract/keys.js';
import type { LossPoint } from '../contract/job.js';


export interface MetricsQuery {
  /** Exclusive: points after this iteration. */
  since: number;
  /** Most points returned. */
  limit: number;
  /** One point per `every` iterations, each the mean of its window (iterations since+1 .. since+every, ...). */
  every: number;
}

export class MetricsStore {
  readonly keys: RedisKeys;
  constructor(readonly redis: Redis, prefix: string) {
    this.keys = redisKeys(prefix);
  }

  /** Writes points at their iteration's slot: writing an iteration twice leaves one point, never a duplicate. */
  async write(jobId: string, names: readonly string[], points: LossPoint[]): Promise<void> {
    if (points.length === 0) return;
    const BYTES = 4 * names.length;
    const pipe = this.redis.pipeline();
    let start = 0;
    // Consecutive iterations go in one SETRANGE.
    for (let i = 1; i <= points.length; i++) {
      if (i === points.length || points[i]!.iteration !== points[i - 1]!.iteration + 1) {
        pipe.setrange(this.keys.metrics(jobId), (points[start]!.iteration - 1) * BYTES, pack(names, points.slice(start, i)));
        start = i;
      }
    }
    await pipe.exec();
  }

  /** Reads up to `recorded` iterations (the job's completed iteration count; later bytes may be stale after a resume). */
  async read(
    jobId: string,
    names: readonly string[],
    recorded: number,
    q: MetricsQuery,
  ): Promise<{ points: LossPoint[]; nextSince: number | null }> {
    const BYTES = 4 * names.length;
    const from = q.since + 1;
    const to = Math.min(recorded, q.since + q.limit * q.every);
    if (to < from) return { points: [], nextSince: null };
    const buf = await this.redis.getrangeBuffer(this.keys.metrics(jobId), (from - 1) * BYTES, to * BYTES - 1);
    const n = Math.floor(buf.byteLength / BYTES);
    const view = new DataView(buf.buffer, buf.byteOffset, n * BYTES);
    const points: LossPoint[] = [];
    for (let w = 0; w * q.every < n; w++) {
      const lo = w * q.every;
      const hi = Math.min(n, lo + q.every);
      const sums = names.map(() => 0);
      for (let i = lo; i < hi; i++) {
        for (let k = 0; k < names.length; k++) sums[k]! += view.getFloat32(i * BYTES + 4 * k, true);
      }
      const m = hi - lo;
      const point: LossPoint = { iteration: from + hi - 1 };
      names.forEach((name, k) => (point[name] = sums[k]! / m));
      points.push(point);
    }
    const last = from + n - 1;
    return { points, nextSince: last < recorded ? last : null };
  }
}

function pack(names: readonly string[], points: LossPoint[]): Buffer {
  const bytes = 4 * names.length;
  const buf = Buffer.alloc(points.length * bytes);
  points.forEach((p, i) => names.forEach((name, k) => buf.writeFloatLE(p[name]!, i * bytes + 4 * k)));
  return buf;
}
