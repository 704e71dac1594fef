// Creates the Redis client, the stores and the train queue once, decorates them onto the app, closes them on close.
import fp from 'fastify-plugin';
import { Redis } from 'ioredis';
import type { Queue } from 'bullmq';
import type { Env } from '../../config/env.js';
import type { TrainJobData } from '../../contract/job.js';
import { ApiKeyStore } from '../../jobs/api-key-store.js';
import { ArtifactIndex } from '../../jobs/artifact-index.js';
import { ClusterStats } from '../../jobs/cluster-stats.js';
import { EventLog } from '../../jobs/event-log.js';
import { JobStore } from '../../jobs/job-store.js';
import { MetricsStore } from '../../jobs/metrics-store.js';
import { QualityStore } from '../../jobs/quality-store.js';
import { createTrainQueue } from '../../jobs/train-queue.js';
import { createDatasetQueue } from '../../jobs/dataset-queue.js';
import { DatasetStore } from '../../jobs/dataset-store.js';
import type { DatasetJobData } from '../../contract/dataset.js';
import type { QualityJobData } from '../../contract/quality.js';
import { createQualityQueue } from '../../jobs/quality-queue.js';
import { WorkerRegistry } from '../../jobs/worker-registry.js';
import type { ArtifactStore } from '../../storage/artifact-store.js';
import { createArtifactStore } from '../../storage/create-artifact-store.js';

export interface Infrastructure {
  redis: Redis;
  jobs: JobStore;
  metrics: MetricsStore;
  quality: QualityStore;
  events: EventLog;
  artifacts: ArtifactIndex;
  store: ArtifactStore;
  queue: Queue<TrainJobData>;
  datasetQueue: Queue<DatasetJobData>;
  qualityQueue: Queue<QualityJobData>;
  datasets: DatasetStore;
  stats: ClusterStats;
  workers: WorkerRegistry;
  apiKeys: ApiKeyStore;
}

declare module 'fastify' {
  interface FastifyInstance {
    infra: Infrastructure;
  }
}

export default fp(
  async (app, opts: { env: Env }) => {
    const { env } = opts;
    // Fail requests fast while Redis is away instead of queueing them for ever: the API answers 5xx, readyz 503.
    const redis = new Redis(env.REDIS_URL, { maxRetriesPerRequest: 1, connectTimeout: 2_000 });
    let lastError = '';
    redis.on('error', (err: Error) => {
      // ioredis reports every failed reconnect; one line per distinct error is enough.
      if (err.message !== lastError) app.log.warn({ err }, 'redis connection error');
      lastError = err.message;
    });
    redis.on('ready', () => (lastError = ''));
    const store = createArtifactStore(env);
    const queue = createTrainQueue(redis, env.GANFORGE_PREFIX);
    queue.on('error', () => {}); // the shared connection's errors are logged above
    const datasetQueue = createDatasetQueue(redis, env.GANFORGE_PREFIX);
    datasetQueue.on('error', () => {});
    const qualityQueue = createQualityQueue(redis, env.GANFORGE_PREFIX);
    qualityQueue.on('error', () => {});

    app.decorate('infra', {
      redis,
      jobs: new JobStore(redis, env.GANFORGE_PREFIX),
      metrics: new MetricsStore(redis, env.GANFORGE_PREFIX),
      quality: new QualityStore(redis, env.GANFORGE_PREFIX),
      events: new EventLog(redis, env.GANFORGE_PREFIX),
      artifacts: new ArtifactIndex(redis, env.GANFORGE_PREFIX, store),
      store,
      queue,
      datasetQueue,
      qualityQueue,
      datasets: new DatasetStore(redis, env.GANFORGE_PREFIX),
      stats: new ClusterStats(redis, env.GANFORGE_PREFIX),
      workers: new WorkerRegistry(redis, env.GANFORGE_PREFIX),
      apiKeys: new ApiKeyStore(redis, env.GANFORGE_PREFIX),
    });

    app.addHook('onClose', async () => {
      await Promise.all([queue.close(), datasetQueue.close(), qualityQueue.close()]);
      await store.close();
      if (redis.status === 'ready') await redis.quit().catch(() => redis.disconnect());
      else redis.disconnect();
    });
  },
  { name: 'infrastructure' },
);
