// The worker process: one BullMQ worker, concurrency 1 (one GPU or CPU core), training jobs with the engine.
import { Worker, type Processor, type WorkerOptions } from 'bullmq';
import { Redis } from 'ioredis';
import pino from 'pino';
import crypto from 'node:crypto';
import os from 'node:os';
import { loadEnv, ConfigError } from '../config/env.js';
import { initBackend } from '../gan/backend.js';
import { QUEUE_NAME, type TrainJobData } from '../contract/job.js';
import { artifactKeys, bullmqKeys } from '../contract/keys.js';
import { BuiltinSource, DatasetSources, PackSource } from '../gan/datasets/sources.js';
import { JobStore } from '../jobs/job-store.js';
import { MetricsStore } from '../jobs/metrics-store.js';
import { EventLog } from '../jobs/event-log.js';
import { ArtifactIndex } from '../jobs/artifact-index.js';
import { ClusterStats } from '../jobs/cluster-stats.js';
import { WorkerRegistry } from '../jobs/worker-registry.js';
import { createArtifactStore } from '../storage/create-artifact-store.js';
import { chooseGpu } from './gpu-choice.js';
import { Heartbeat } from './heartbeat.js';
import { createTrainProcessor } from './train-processor.js';
import { createDatasetProcessor } from './dataset-processor.js';
import { DATASET_QUEUE_NAME, type DatasetJobData } from '../contract/dataset.js';
import { DatasetStore } from '../jobs/dataset-store.js';
import { QUALITY_QUEUE_NAME, type QualityJobData } from '../contract/quality.js';
import { QualityStore } from '../jobs/quality-store.js';
import { createQualityQueue } from '../jobs/quality-queue.js';
import { createQualityProcessor } from './quality-processor.js';
import { ScorerCache, type QualityDeps } from './quality-scoring.js';

async function main(): Promise<void> {
  let env;
  try {
    env = loadEnv();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`ganforge-worker: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const log = pino({ level: env.LOG_LEVEL, base: { role: 'worker', pid: process.pid } });
  // Host names repeat across restarts and pids across containers: the random part keeps ids unique.
  const workerId = `${os.hostname()}:${process.pid}:${crypto.randomBytes(3).toString('hex')}`;
  const redis = new Redis(env.REDIS_URL, { maxRetriesPerRequest: null });

  // tfjs-node-gpu reads CUDA_VISIBLE_DEVICES when it loads: the GPU is chosen first.
  const gpu = await chooseGpu({
    setting: env.GANFORGE_GPU,
    backend: env.GANFORGE_BACKEND,
    redis,
    prefix: env.GANFORGE_PREFIX,
    workerId,
    ttlMs: env.GANFORGE_GPU_LEASE_TTL_MS,
    log,
  });
  const backend = await initBackend(env.GANFORGE_BACKEND, { blasThreads: env.GANFORGE_BLAS_THREADS });
  log.info({ backend, gpu: gpu.gpu }, `backend ${backend.label} (${backend.provider})`);
  // A kernel provider that could not load says what is missing and how to get it, in one line.
  for (const s of backend.skipped.filter((s) => s.backend.startsWith(`${backend.name}+`))) log.warn(`${s.backend} not used: ${s.reason}`);
  if (gpu.lease && backend.provider !== '@tensorflow/tfjs-node-gpu') {
    log.warn({ gpu: gpu.gpu }, `GPU ${gpu.gpu!.index} claimed, but backend ${backend.name} does not use it (is @tensorflow/tfjs-node-gpu installed?)`);
  }

  const store = createArtifactStore(env);
  const shutdown = new AbortController();
  const stats = new ClusterStats(redis, env.GANFORGE_PREFIX);
  const heartbeat = new Heartbeat(
    { registry: new WorkerRegistry(redis, env.GANFORGE_PREFIX), stats, log },
    {
      id: workerId,
      hostname: os.hostname(),
      pid: process.pid,
      backend: { name: backend.label, provider: backend.provider },
      gpu: gpu.gpu,
      startedAt: new Date().toISOString(),
    },
  );
  const events = new EventLog(redis, env.GANFORGE_PREFIX);
  const qualityQueue = createQualityQueue(redis.duplicate(), env.GANFORGE_PREFIX);
  qualityQueue.on('error', (err) => log.error({ err }, 'quality queue error'));
  const quality: QualityDeps = {
    quality: new QualityStore(redis, env.GANFORGE_PREFIX),
    events,
    queue: qualityQueue,
    scorers: new ScorerCache(store),
    log,
    samples: env.GANFORGE_QUALITY_SAMPLES,
    epochs: env.GANFORGE_QUALITY_EPOCHS,
  };
  const deps = {
    jobs: new JobStore(redis, env.GANFORGE_PREFIX),
    metrics: new MetricsStore(redis, env.GANFORGE_PREFIX),
    events,
    artifacts: new ArtifactIndex(redis, env.GANFORGE_PREFIX, store),
    log,
    redis,
    lockKey: bullmqKeys(env.GANFORGE_PREFIX).jobLock,
    backend: backend.label,
    datasets: new DatasetSources(
      new BuiltinSource(env),
      new PackSource((id) => store.get(artifactKeys.datasetPack(id))),
      env.GANFORGE_DATASET_CACHE_BYTES,
    ),
    shutdown: shutdown.signal,
    stats,
    activity: heartbeat,
    quota: { storedBytes: env.GANFORGE_QUOTA_STORED_BYTES, maxRuntimeSeconds: env.GANFORGE_QUOTA_MAX_RUNTIME_SECONDS },
    quality,
  };
  // One BullMQ worker per queue, concurrency 1 each (one GPU or CPU core); errors logged under the queue's name.
  const consume = <T>(queue: string, processor: Processor<T>, opts: Partial<WorkerOptions> = {}) => {
    const w = new Worker<T>(queue, processor, { connection: redis.duplicate(), prefix: env.GANFORGE_PREFIX, concurrency: 1, name: workerId, ...opts });
    w.on('error', (err) => log.error({ err, queue }, 'worker error'));
    return w;
  };
  // The engine yields after every iteration, so lock renewals run while a job trains (see env.ts for the values).
  const locks = { lockDuration: env.GANFORGE_LOCK_DURATION_MS, stalledInterval: env.GANFORGE_STALLED_INTERVAL_MS };
  const worker = consume<TrainJobData>(QUEUE_NAME, createTrainProcessor(deps), { ...locks, maxStalledCount: env.GANFORGE_MAX_STALLED });
  // Uploaded archives are unpacked and decoded here, never in the API's event loop.
  const datasetWorker = consume<DatasetJobData>(
    DATASET_QUEUE_NAME,
    createDatasetProcessor({
      datasets: new DatasetStore(redis, env.GANFORGE_PREFIX),
      store,
      log,
      limits: {
        maxEntries: env.GANFORGE_DATASET_MAX_ENTRIES,
        maxUnpackedBytes: env.GANFORGE_DATASET_MAX_UNPACKED_BYTES,
        maxRatio: env.GANFORGE_DATASET_MAX_RATIO,
        maxPixels: env.GANFORGE_DATASET_MAX_PIXELS,
      },
    }),
  );
  // A dataset's scorer is trained here once (the first job on it queues it), and saved checkpoints scored on demand.
  const qualityWorker = consume<QualityJobData>(
    QUALITY_QUEUE_NAME,
    createQualityProcessor({ ...quality, jobs: deps.jobs, artifacts: deps.artifacts, datasets: deps.datasets, shutdown: shutdown.signal }),
    locks,
  );
  worker.on('ready', () => log.info({ queue: QUEUE_NAME, prefix: env.GANFORGE_PREFIX }, 'worker ready'));
  heartbeat.start();
  log.info({ workerId }, 'heartbeat started');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping: checkpointing the current job and handing it back');
    shutdown.abort();
    await Promise.all([worker.close(), datasetWorker.close(), qualityWorker.close()]);
    await qualityQueue.close();
    await heartbeat.stop().catch((err: unknown) => log.warn({ err }, 'could not leave the worker registry'));
    // Released after the job is handed back, when this process no longer computes on the GPU.
    await gpu.lease?.release().catch((err: unknown) => log.warn({ err }, 'could not release the GPU lease'));
    await redis.quit();
    await store.close();
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err) => {
  process.stderr.write(`ganforge-worker: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
