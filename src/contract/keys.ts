// Where things live: the Redis key layout and the artifact-store key layout, in one place for the API and the worker.
import { QUEUE_NAME } from './job.js';
export function redisKeys(prefix: string) {
  const p = `${prefix}:gf`;
  return {
    /** Hash: the job record. */
    job: (id: string) => `${p}:job:${id}`,
    /** Sorted set: job ids scored by their sequence number (newest = highest). */
    jobs: `${p}:jobs`,
    /** Sorted set: one project's job ids scored by their sequence number (what GET /jobs lists for that project). */
    projectJobs: (project: string) => `${p}:project:${project}:jobs`,
    /** Counter behind job sequence numbers. */
    seq: `${p}:seq`,
    /** Set: ids of the queued and running jobs (what GANFORGE_MAX_ACTIVE_JOBS caps). */
    activeJobs: `${p}:active`,
    /** String: packed float32 metrics, 12 bytes per iteration at offset (iteration - 1) * 12. */
    metrics: (id: string) => `${p}:metrics:${id}`,
    /** Stream: the job's events, whose ids are the SSE event ids. */
    events: (id: string) => `${p}:events:${id}`,
    /** Sorted set: the job's sample ids scored by iteration. */
    jobSamples: (id: string) => `${p}:job:${id}:samples`,
    /** Hash: sample id -> JSON SampleRecord. */
    samples: `${p}:samples`,
    /** Hash: iteration -> JSON CheckpointRecord. */
    checkpoints: (id: string) => `${p}:job:${id}:checkpoints`,
    /** Sorted set: the job's checkpoint iterations (member and score), for pages and the latest without a scan. */
    checkpointIndex: (id: string) => `${p}:job:${id}:checkpoint-index`,
    /** Hash: project -> bytes its jobs' samples and checkpoints take in the artifact store. */
    projectBytes: `${p}:project-bytes`,
    /** Hash: API key id -> JSON ApiKeyRecord (its token's SHA-256, never the token). */
    apiKeys: `${p}:apikeys`,
    /** Hash: SHA-256 of a token (hex) -> API key id; looked up on every request, so a revoked key stops at once everywhere. */
    apiKeyHashes: `${p}:apikeys:byhash`,
    /** String with an expiry: SHA-256 of a dashboard session id -> JSON session (who logged in, its CSRF token). */
    session: (idHash: string) => `${p}:session:${idHash}`,
    /** String: the key of the signed artifact links, when GANFORGE_LINK_SECRET is unset (made once, shared by replicas). */
    linkSecret: `${p}:linksecret`,
    /** String with an expiry: failed authentication attempts of one client in the current window. */
    authFailures: (client: string) => `${p}:authfail:${client}`,
    /** String: idempotency key -> JSON of the first response. */
    idempotency: (key: string) => `${p}:idem:${key}`,
    /** Prefix of the API's rate-limit counters (one string per client and route group). */
    rateLimit: `${p}:rl:`,
    /** String: JSON DatasetRecord of an uploaded dataset. */
    dataset: (id: string) => `${p}:dataset:${id}`,
    /** Sorted set: one project's dataset ids scored by creation time (ms). */
    projectDatasets: (project: string) => `${p}:project:${project}:datasets`,
    /** Hash: checkpoint iteration -> JSON QualityPoint (contract/quality.ts); rescoring an iteration replaces it. */
    quality: (id: string) => `${p}:job:${id}:quality`,
    /** String: the content hash of the dataset a job trains on (set by its worker), which names its scorer. */
    jobScorer: (id: string) => `${p}:job:${id}:scorer`,
    /** String: JSON ScorerStatus of a dataset's scorer, by the dataset's content hash. */
    scorer: (hash: string) => `${p}:scorer:${hash}`,
    /** Set: ids of jobs whose checkpoints wait for a dataset's scorer to be ready (scored when it is). */
    scorerWaiters: (hash: string) => `${p}:scorer:${hash}:waiters`,
    /** Hash: worker id -> JSON heartbeat. */
    workers: `${p}:workers`,
    /** Sorted set: worker ids scored by their last heartbeat (ms since the epoch); stale ones are pruned. */
    workersSeen: `${p}:workers:seen`,
    /** Hash: cluster-wide counters written by the workers (jobs started/finished, step-time histogram buckets). */
    stats: `${p}:stats`,
    /** String: the id of the worker that leased the GPU (by UUID, unique across hosts), with a PX expiry renewed while it lives. */
    gpuLease: (uuid: string) => `${p}:gpu:${uuid}`,
    /** Sorted set: ids of workers sharing the GPU beyond its lease holder, scored by when their claim expires (ms). */
    gpuSharers: (uuid: string) => `${p}:gpu:${uuid}:sharers`,
  };
}
export type RedisKeys = ReturnType<typeof redisKeys>;

/** BullMQ's own keys that we read (BullMQ writes them): `<prefix>:<queue>:<job id>` and what hangs off it. */
export function bullmqKeys(prefix: string) {
  return {
    /** String: the token of the worker that holds the job, while one does. */
    jobLock: (jobId: string) => `${prefix}:${QUEUE_NAME}:${jobId}:lock`,
  };
}

/** Artifact keys are built only from validated job ids, integers and random sample ids. */
export const artifactKeys = {
  sample: (jobId: string, sampleId: string) => `jobs/${jobId}/samples/${sampleId}.png`,
  checkpointPrefix: (jobId: string, iteration: number) => `jobs/${jobId}/checkpoints/${iteration}`,
  jobPrefix: (jobId: string) => `jobs/${jobId}`,
  /** An uploaded dataset's archive as received (deleted once processed), its pack (pack.ts) and its preview grid. */
  datasetUpload: (id: string) => `datasets/${id}/upload/archive`,
  /** Under its own prefix, so that deletePrefix removes it on every store. */
  datasetUploadPrefix: (id: string) => `datasets/${id}/upload`,
  datasetPack: (id: string) => `datasets/${id}/pack.bin`,
  datasetPreview: (id: string) => `datasets/${id}/preview.png`,
  datasetPrefix: (id: string) => `datasets/${id}`,
  /** A dataset's scorer (classifier weights, held-out split indices, reference features), by the dataset's content hash. */
  scorerPrefix: (hash: string) => `scorers/${hash}`,
};
