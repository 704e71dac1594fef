// Processes one uploaded dataset: archive -> pack + preview in the artifact store, and the record ready or failed.
import { UnrecoverableError, type Job } from 'bullmq';
import type { Logger } from 'pino';
import { artifactKeys } from '../contract/keys.js';
import { DATASET_PROGRESS_INTERVAL_MS, MAX_SKIPPED_LISTED, type DatasetJobData, type DatasetProgress } from '../contract/dataset.js';
import type { DatasetStore } from '../jobs/dataset-store.js';
import type { ArtifactStore } from '../storage/artifact-store.js';
import { buildDataset } from '../datasets/build-dataset.js';
import type { ArchiveLimits } from '../datasets/archive-entries.js';
import { isAppError } from '../errors.js';
import { isPermanent } from './retry-policy.js';

export interface DatasetProcessorDeps {
  datasets: DatasetStore;
  store: ArtifactStore;
  log: Logger;
  limits: ArchiveLimits & { maxPixels: number };
}

export function createDatasetProcessor(deps: DatasetProcessorDeps) {
  const { datasets, store, log } = deps;
  return async function processDataset(job: Job<DatasetJobData>): Promise<{ status: string }> {
    const { datasetId: id, format } = job.data;
    const dlog = log.child({ datasetId: id, attempt: job.attemptsMade + 1 });
    const record = await datasets.get(id);
    if (!record) {
      await store.deletePrefix(artifactKeys.datasetPrefix(id));
      return { status: 'deleted' };
    }
    if (record.status !== 'processing') return { status: record.status };
    try {
      const upload = await store.get(artifactKeys.datasetUpload(id));
      if (!upload) throw new UnrecoverableError('the uploaded archive is gone');
      const [size, , channels] = record.shape;
      const built = await buildDataset(upload, format, { ...deps.limits, size, channels: channels as 1 | 3 }, progressWriter(datasets, id));
      const pack = await store.put(artifactKeys.datasetPack(id), built.pack);
      await store.put(artifactKeys.datasetPreview(id), built.preview);
      await store.deletePrefix(artifactKeys.datasetUploadPrefix(id));
      const updated = await datasets.update(id, {
        status: 'ready',
        count: built.count,
        progress: built.progress,
        classes: built.classes,
        skipped: built.skipped.slice(0, MAX_SKIPPED_LISTED),
        skippedCount: built.skipped.length,
        bytes: pack.size,
        finishedAt: new Date().toISOString(),
      });
      // Deleted while it was processed: what was written goes too.
      if (!updated) await store.deletePrefix(artifactKeys.datasetPrefix(id));
      dlog.info({ count: built.count, classes: built.classes.length, skipped: built.skipped.length }, 'dataset ready');
      return { status: 'ready' };
    } catch (err) {
      const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (!isPermanent(err) && !lastAttempt) {
        dlog.warn({ err }, 'dataset processing failed; will retry');
        throw err;
      }
      // Our errors say what is wrong with the archive; anything else is ours, and stays in the log.
      const reason = isAppError(err) || err instanceof UnrecoverableError ? (err as Error).message : 'internal error while processing the archive';
      dlog.warn({ err }, 'dataset failed');
      await store.deletePrefix(artifactKeys.datasetPrefix(id));
      await datasets.update(id, { status: 'failed', error: reason, finishedAt: new Date().toISOString() });
      throw new UnrecoverableError(reason);
    }
  };
}

/**
 * Writes progress to the record at most every DATASET_PROGRESS_INTERVAL_MS (the first report, with the total, at
 * once). Awaited by the decoding loop, so writes never overlap each other or the final update.
 */
export function progressWriter(
  datasets: Pick<DatasetStore, 'update'>,
  id: string,
  now: () => number = () => performance.now(),
): (p: DatasetProgress) => Promise<void> {
  let last = -Infinity;
  return async (p) => {
    const t = now();
    if (t - last < DATASET_PROGRESS_INTERVAL_MS) return;
    last = t;
    await datasets.update(id, { progress: p });
  };
}
