// A worker's claim on one GPU in Redis: an exclusive lease keyed on the GPU's UUID, or a place among its sharers.
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { redisKeys } from '../contract/keys.js';
import type { GpuDevice } from './nvidia-smi.js';

/** The GPU keys of contract/keys.ts. Only workers touch them: GET /workers reads each worker's GPU from its heartbeat. */
export function gpuKeys(prefix: string) {
  const keys = redisKeys(prefix);
  return { lease: keys.gpuLease, sharers: keys.gpuSharers };
}

export type GpuRole = 'leased' | 'shared';

// Redis' clock for expiries, as in the worker registry: one clock for every host.
const NOW_MS = "local t = redis.call('TIME') local now = t[1] * 1000 + math.floor(t[2] / 1000)";
const JOIN_SHARERS = `
local function join(key, id, ttl)
  redis.call('zadd', key, now + ttl, id)
  if redis.call('pttl', key) < ttl then redis.call('pexpire', key, ttl) end
end`;

// KEYS: the candidates' leases, then their sharer sets, in preference order. ARGV: worker id, ttl.
// Users of a GPU = its lease holder (if any) + live sharers; the GPU with the fewest wins, the first on a tie. A free
// lease is taken; else the worker joins the sharers. Counting users, not just free leases, keeps the count right
// when a lease holder left a GPU that others still share.
const CLAIM = `${NOW_MS}${JOIN_SHARERS}
local n = #KEYS / 2
local ttl = tonumber(ARGV[2])
local best, fewest = 1, math.huge
for i = 1, n do
  redis.call('zremrangebyscore', KEYS[n + i], '-inf', now)
  local users = redis.call('zcard', KEYS[n + i]) + redis.call('exists', KEYS[i])
  if users < fewest then best, fewest = i, users end
end
if redis.call('set', KEYS[best], ARGV[1], 'NX', 'PX', ttl) then return {best, 'leased', fewest} end
join(KEYS[n + best], ARGV[1], ttl)
return {best, 'shared', fewest}`;

// KEYS: lease, sharers. ARGV: worker id, ttl, role. Extends the lease only while it is still this worker's
// (compare-and-pexpire); one that lapsed unclaimed (a stall longer than the ttl, a Redis restart without AOF) is
// taken back; one another worker holds now is left to it, and this worker counts as a sharer from then on.
const RENEW = `${NOW_MS}${JOIN_SHARERS}
local ttl = tonumber(ARGV[2])
if ARGV[3] == 'leased' then
  local owner = redis.call('get', KEYS[1])
  if owner == ARGV[1] then redis.call('pexpire', KEYS[1], ttl) return {'leased', ARGV[1]} end
  if not owner then redis.call('set', KEYS[1], ARGV[1], 'PX', ttl) return {'leased', ARGV[1]} end
  join(KEYS[2], ARGV[1], ttl)
  return {'shared', owner}
end
join(KEYS[2], ARGV[1], ttl)
return {'shared', ''}`;

// KEYS: lease, sharers. ARGV: worker id. Compare-and-delete: never removes another worker's lease.
const RELEASE = `
local released = 0
if redis.call('get', KEYS[1]) == ARGV[1] then released = redis.call('del', KEYS[1]) end
return released + redis.call('zrem', KEYS[2], ARGV[1])`;

export interface GpuLeaseOptions {
  redis: Redis;
  prefix: string;
  workerId: string;
  ttlMs: number;
  log: Logger;
}

export class GpuLease {
  private timer: NodeJS.Timeout | undefined;
  private renewing: Promise<void> | null = null;

  private constructor(
    private readonly opts: GpuLeaseOptions,
    readonly gpu: GpuDevice,
    private currentRole: GpuRole,
    /** How many other workers used the GPU when this one claimed it. */
    readonly othersAtClaim: number,
  ) {}

  /** Claims the least used of `candidates` (non-empty, in preference order) and renews the claim every ttl/3. */
  static async claim(opts: GpuLeaseOptions, candidates: GpuDevice[]): Promise<GpuLease> {
    if (candidates.length === 0) throw new Error('no GPU to claim');
    const keys = gpuKeys(opts.prefix);
    const [position, role, others] = (await opts.redis.eval(
      CLAIM,
      candidates.length * 2,
      ...candidates.map((g) => keys.lease(g.uuid)),
      ...candidates.map((g) => keys.sharers(g.uuid)),
      opts.workerId,
      opts.ttlMs,
    )) as [number, GpuRole, number];
    const lease = new GpuLease(opts, candidates[position - 1]!, role, others);
    lease.timer = setInterval(() => void lease.renew(), Math.max(250, Math.floor(opts.ttlMs / 3)));
    lease.timer.unref();
    return lease;
  }

  get role(): GpuRole {
    return this.currentRole;
  }

  /** Extends the claim; a Redis error is logged and the next tick tries again (the ttl leaves two more tries). */
  renew(): Promise<void> {
    this.renewing ??= (async () => {
      try {
        const keys = gpuKeys(this.opts.prefix);
        const [role, owner] = (await this.opts.redis.eval(
          RENEW,
          2,
          keys.lease(this.gpu.uuid),
          keys.sharers(this.gpu.uuid),
          this.opts.workerId,
          this.opts.ttlMs,
          this.currentRole,
        )) as [GpuRole, string];
        if (role !== this.currentRole) {
          // CUDA_VISIBLE_DEVICES is fixed once TensorFlow has loaded: the worker stays on this GPU, now as a sharer.
          this.opts.log.warn(
            { gpu: this.gpu, leaseHolder: owner },
            `GPU ${this.gpu.index} lease lapsed and was taken by ${owner}: this worker keeps training on it, sharing it`,
          );
          this.currentRole = role;
        }
      } catch (err) {
        this.opts.log.warn({ err, gpu: this.gpu.uuid }, 'could not renew the GPU lease');
      } finally {
        this.renewing = null;
      }
    })();
    return this.renewing;
  }

  /** Stops renewing and gives the GPU back at once (only what is still this worker's). */
  async release(): Promise<void> {
    clearInterval(this.timer);
    await this.renewing;
    const keys = gpuKeys(this.opts.prefix);
    await this.opts.redis.eval(RELEASE, 2, keys.lease(this.gpu.uuid), keys.sharers(this.gpu.uuid), this.opts.workerId);
  }
}
