// The worker's scorers: loaded from (and saved to) the artifact store by dataset hash, kept in memory; a score recorded.
import type * as tf from '@tensorflow/tfjs';
import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import { artifactKeys } from '../contract/keys.js';
import type { QualityJobData, QualityPoint } from '../contract/quality.js';
import type { EventLog } from '../jobs/event-log.js';
import type { QualityStore } from '../jobs/quality-store.js';
import type { ArtifactStore } from '../storage/artifact-store.js';
import type { Scorer } from '../gan/quality/scorer.js';
import { SCORER_FILES, scorerFromFiles, scorerToFiles } from '../gan/quality/scorer-files.js';

/** What scoring needs in a worker process, shared by the training processor (inline) and the quality processor. */
export interface QualityDeps {
  quality: QualityStore;
  events: EventLog;
  queue: Queue<QualityJobData>;
  scorers: ScorerCache;
  log: Logger;
  /** Images per score (GANFORGE_QUALITY_SAMPLES); 0: scoring is off. */
  samples: number;
  /** Classifier epochs (GANFORGE_QUALITY_EPOCHS). */
  epochs: number;
}

/** Scorers kept loaded in a worker: a job trains on one dataset at a time, so two is plenty. */
const KEEP = 2;

export class ScorerCache {
  private readonly loaded = new Map<string, Promise<Scorer>>();
  constructor(private readonly store: ArtifactStore) {}

  /** The dataset's scorer from memory or the artifact store; null when none was saved. */
  async get(hash: string): Promise<Scorer | null> {
    let scorer = this.loaded.get(hash);
    if (!scorer) {
      const prefix = artifactKeys.scorerPrefix(hash);
      if (!(await this.store.stat(`${prefix}/${SCORER_FILES.meta}`))) return null;
      scorer = (async () => {
        const files = new Map<string, Uint8Array>();
        for (const key of await this.store.list(prefix)) {
          const bytes = await this.store.get(key);
          if (bytes) files.set(key.slice(prefix.length + 1), bytes);
        }
        return scorerFromFiles(files);
      })();
      scorer.catch(() => this.loaded.delete(hash));
      this.remember(hash, scorer);
    }
    return scorer;
  }

  /** Saves a freshly trained scorer (scorer.json last: a reader never sees half of one) and keeps it loaded. */
  async save(scorer: Scorer): Promise<void> {
    const prefix = artifactKeys.scorerPrefix(scorer.meta.datasetHash);
    for (const [name, bytes] of await scorerToFiles(scorer)) await this.store.put(`${prefix}/${name}`, bytes);
    this.remember(scorer.meta.datasetHash, Promise.resolve(scorer));
  }

  private remember(hash: string, scorer: Promise<Scorer>): void {
    const previous = this.loaded.get(hash);
    this.loaded.delete(hash);
    this.loaded.set(hash, scorer);
    if (previous && previous !== scorer) void previous.then((s) => s.dispose(), () => undefined);
    while (this.loaded.size > KEEP) {
      const [oldest, evicted] = this.loaded.entries().next().value!;
      this.loaded.delete(oldest);
      void evicted.then((s) => s.dispose(), () => undefined);
    }
  }
}

/** Scores `generator` at a checkpoint iteration and records it: the point, then the job's `quality` event. */
export async function scoreAndRecord(
  deps: Pick<QualityDeps, 'quality' | 'events' | 'samples'>,
  scorer: Scorer,
  jobId: string,
  iteration: number,
  generator: tf.LayersModel,
): Promise<QualityPoint> {
  const result = await scorer.score(generator, deps.samples);
  const point: QualityPoint = { iteration, ...result, createdAt: new Date().toISOString() };
  await deps.quality.writePoint(jobId, point);
  await deps.events.append(jobId, 'quality', point);
  return point;
}
