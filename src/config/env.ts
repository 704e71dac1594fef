// The environment, parsed once with zod and shared by the API, the worker and the CLIs; a bad value names its variable.
import { z } from 'zod';
import path from 'node:path';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** Ranges @fastify/proxy-addr knows by name: 127/8 + ::1, 169.254/16 + fe80::/10, 10/8 + 172.16/12 + 192.168/16 + fc00::/7. */
const PROXY_RANGES = ['loopback', 'linklocal', 'uniquelocal'];
const proxyAddress = z.union([z.ipv4(), z.ipv6(), z.cidrv4(), z.cidrv6(), z.enum(PROXY_RANGES)]);

/** false, true, or the list of trusted proxies' addresses; a hop count is refused (see below). */
const trustProxy = z.string().transform((raw, ctx): boolean | string[] => {
  const value = raw.trim();
  if (value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) {
    // Fastify ignores a hop count (it trusts no proxy then): counting hops cannot tell a proxy from a client that
    // reached the API directly and sent its own X-Forwarded-For. Better to say so than to start up ignoring it.
    ctx.issues.push({ code: 'custom', input: raw, message: 'a hop count is not supported; list the proxies\' addresses or CIDRs' });
    return z.NEVER;
  }
  const entries = value.split(',').map((s) => s.trim());
  const bad = entries.filter((s) => !proxyAddress.safeParse(s).success);
  if (bad.length > 0) {
    ctx.issues.push({
      code: 'custom',
      input: raw,
      message:
        `true, false or a comma-separated list of IP addresses, CIDRs, ${PROXY_RANGES.join(', ')}; ` +
        `not ${bad.map((s) => JSON.stringify(s)).join(', ')}`,
    });
    return z.NEVER;
  }
  return entries;
});

/** `*`, `none` (false) or a list of origins (scheme://host[:port], no path). */
const corsOrigins = z
  .string()
  .transform((v, ctx): '*' | false | string[] => {
    const value = v.trim();
    if (value === '*') return '*';
    if (value === 'none') return false;
    const origins = value.split(',').map((o) => o.trim());
    for (const o of origins) {
      let url: URL | undefined;
      try {
        url = new URL(o);
      } catch {
        // reported below
      }
      if (!url || !/^https?:$/.test(url.protocol) || url.origin !== o) {
        ctx.addIssue({ code: 'custom', message: `'${o}' is not an origin like https://host or http://host:port (or use * or none)` });
        return z.NEVER;
      }
    }
    return origins;
  });

/** What GANFORGE_GPU asks for: claim one GPU (among `ids`, nvidia-smi indices or UUIDs, when given), all of them, or none. */
export type GpuSetting = { mode: 'auto' | 'all' | 'none' } | { mode: 'list'; ids: string[] };

const GPU_UUID = /^GPU-[0-9A-Fa-f]{8}(-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}$/;

/** `auto`, `all`, `none`, or a comma-separated list of GPU indices (as nvidia-smi numbers them) or UUIDs. */
const gpuSetting = z.string().transform((raw, ctx): GpuSetting => {
  const value = raw.trim();
  if (value === 'auto' || value === 'all' || value === 'none') return { mode: value };
  const ids = value.split(',').map((s) => s.trim());
  const bad = ids.filter((s) => !/^\d{1,3}$/.test(s) && !GPU_UUID.test(s));
  if (bad.length > 0) {
    ctx.issues.push({
      code: 'custom',
      input: raw,
      message:
        'auto, all, none or a comma-separated list of GPU indices or UUIDs (GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx); ' +
        `not ${bad.map((s) => JSON.stringify(s)).join(', ')}`,
    });
    return z.NEVER;
  }
  return { mode: 'list', ids: [...new Set(ids)] };
});

export const envSchema = z.object({
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  /** Prefix of every Redis key (BullMQ's and ours). Wrap it in {braces} to give Redis Cluster one hash slot. */
  GANFORGE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_{}:.-]{1,64}$/, 'letters, digits and _ { } : . - only, at most 64')
    .default('ganforge'),
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** Where the filesystem artifact store keeps samples and checkpoints. */
  GANFORGE_DATA_DIR: z.string().min(1).default(path.resolve('data')),
  /** Where artifacts live: the filesystem (GANFORGE_DATA_DIR) or an S3-compatible bucket (GANFORGE_S3_*). */
  GANFORGE_STORAGE: z.enum(['fs', 's3']).default('fs'),
  GANFORGE_S3_BUCKET: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name').optional(),
  /** Unset for AWS S3; the server's URL for MinIO and other S3-compatible stores, e.g. http://minio:9000. */
  GANFORGE_S3_ENDPOINT: z.string().url().optional(),
  GANFORGE_S3_REGION: z.string().min(1).default('us-east-1'),
  /** Bucket in the path (http://host/bucket/key) instead of the host name: what MinIO needs. */
  GANFORGE_S3_FORCE_PATH_STYLE: bool.default(false),
  /** Key prefix inside the bucket, e.g. ganforge/prod; '' for the bucket's root. */
  GANFORGE_S3_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-][A-Za-z0-9._-]*(\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$/, "'/'-separated names without a leading or trailing '/'")
    .optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** 'wasm' uses the native kernels (wasm+openblas) when built; 'wasm-plain' never does. */
  GANFORGE_BACKEND: z.enum(['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'wasm-plain', 'cpu']).default('auto'),
  /** BLAS threads per worker for the native kernels: 1 (default) suits one worker per core. */
  GANFORGE_BLAS_THREADS: z.coerce.number().int().min(1).max(256).default(1),
  /** Largest request body the API reads, in bytes. */
  GANFORGE_BODY_LIMIT: z.coerce.number().int().min(1024).max(10 * 1024 * 1024).default(64 * 1024),
  /** How many queued + running jobs the API accepts before answering 429. */
  GANFORGE_MAX_ACTIVE_JOBS: z.coerce.number().int().min(1).default(1000),
  /** How long the API remembers an Idempotency-Key of POST /jobs and the response it gave. */
  GANFORGE_IDEMPOTENCY_TTL_SECONDS: z.coerce.number().int().min(1).max(30 * 86400).default(86400),
  /**
   * Requests per client (IP address) per window, counted in Redis so every API instance shares the counters;
   * POST /jobs has its own, stricter count. /healthz and /readyz are not limited.
   */
  GANFORGE_RATE_LIMIT_MAX: z.coerce.number().int().min(1).default(600),
  GANFORGE_RATE_LIMIT_CREATE_MAX: z.coerce.number().int().min(1).default(30),
  GANFORGE_RATE_LIMIT_WINDOW_MS: z.coerce.number().int().min(1000).default(60_000),
  /**
   * Which peers the API believes about the client's address, host and protocol (X-Forwarded-For, -Host, -Proto):
   * `false` (default: none; the API faces its clients), a comma-separated list of the load balancers' IP addresses
   * or CIDRs (or loopback, linklocal, uniquelocal), e.g. `10.0.0.0/8,127.0.0.1`, or `true` (every peer). With a list,
   * the client is the last X-Forwarded-For address that is not a listed proxy; with `true` it is the first address,
   * which the client may have written itself. Rate limits count per client address: behind a balancer without this
   * every client shares the balancer's budget.
   */
  GANFORGE_TRUST_PROXY: trustProxy.default(false),
  /**
   * Origins whose pages may read the API from a browser (CORS for GET and HEAD only: jobs, metrics, events, sample
   * images, the generator for tf.loadLayersModel): `*` (default; reads need only the unguessable job id anyway), a
   * comma-separated list of origins such as `https://lab.example.org,http://localhost:8888`, or `none`. Creating,
   * cancelling and deleting jobs stays same-origin: no page elsewhere can make a visitor's browser do that.
   */
  GANFORGE_CORS_ORIGINS: corsOrigins.default('*'),
  /**
   * Worker lock settings, chosen for jobs that train for hours: the lock is renewed every half lockDuration while
   * the worker lives; a killed worker's job is taken over within lockDuration + stalledInterval; a job is failed only
   * after it stalled more than maxStalledCount times.
   */
  GANFORGE_LOCK_DURATION_MS: z.coerce.number().int().min(1000).default(60_000),
  GANFORGE_STALLED_INTERVAL_MS: z.coerce.number().int().min(500).default(30_000),
  GANFORGE_MAX_STALLED: z.coerce.number().int().min(0).default(5),
  /**
   * Which GPU a worker trains on, chosen before TensorFlow loads (only when GANFORGE_BACKEND is auto or
   * tensorflow-gpu): `auto` (default) claims a GPU that no other worker has leased, or shares the least used one when
   * all are taken; a comma-separated list of indices or UUIDs claims among those only; `all` shows the worker every
   * GPU and claims none (TensorFlow then uses the first); `none` hides every GPU (TensorFlow runs on the CPU).
   */
  GANFORGE_GPU: gpuSetting.default({ mode: 'auto' }),
  /** How long a GPU lease outlives its worker's last renewal (renewed every third of it): a dead worker's GPU is free after this. */
  GANFORGE_GPU_LEASE_TTL_MS: z.coerce.number().int().min(1000).max(600_000).default(30_000),
  /** Serve the BullMQ board at /admin/queues. */
  GANFORGE_QUEUE_BOARD: bool.default(false),
}).superRefine((env, ctx) => {
  if (env.GANFORGE_STORAGE === 's3' && !env.GANFORGE_S3_BUCKET) {
    ctx.addIssue({ code: 'custom', path: ['GANFORGE_S3_BUCKET'], message: 'required when GANFORGE_STORAGE=s3' });
  }
});

export type Env = z.infer<typeof envSchema>;

export class ConfigError extends Error {
  readonly code = 'CONFIG';
}

/** Parses `source`; throws ConfigError with one line per bad variable, e.g. `PORT: Too big: expected number to be <=65535`. */
export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const result = envSchema.safeParse(cleaned);
  if (result.success) return result.data;
  const lines = result.error.issues.map((i) => `${i.path.join('.') || '(environment)'}: ${i.message}`);
  throw new ConfigError(`invalid configuration: ${lines.join('; ')}`);
}
