// Shapes records into the API's resources: the URLs clients follow, progress and ETA.
import type { CheckpointRecord, JobRecord, SampleRecord } from '../../contract/job.js';
import type { QualityPoint } from '../../contract/quality.js';
import type { JobResource } from '../schemas/job-schemas.js';
import type { Sign } from '../services/link-signer.js';
import { DEFAULT_PROJECT } from '../../jobs/job-store.js';

export const urls = {
  job: (id: string) => `/jobs/${id}`,
  sample: (sampleId: string) => `/samples/${sampleId}.png`,
  generator: (jobId: string, iteration?: number) =>
    `/jobs/${jobId}/generator/model.json${iteration === undefined ? '' : `?iteration=${iteration}`}`,
  checkpointArchive: (jobId: string, iteration: number) => `/jobs/${jobId}/checkpoints/${iteration}/archive`,
};

const finite = (x: number | null): number | null => (x !== null && Number.isFinite(x) ? x : null);

/** Losses as JSON can carry them: NaN and Infinity (a diverged run) become null. */
export function toLossView<T extends Record<string, number | null>>(p: T): T {
  return Object.fromEntries(Object.entries(p).map(([k, v]) => [k, k === 'iteration' ? v : finite(v)])) as T;
}

/** `latest`: the last iteration's metrics and the newest quality point; null while there is neither. */
function latestView(losses: JobRecord['latest'], quality: QualityPoint | null): JobResource['latest'] {
  if (!losses && !quality) return null;
  return { ...(losses ? toLossView(losses) : {}), quality } as JobResource['latest'];
}

export function toJobResource(r: JobRecord, sign: Sign, quality: QualityPoint | null): JobResource {
  const self = urls.job(r.id);
  const iterations = r.spec.iterations;
  const etaSeconds =
    r.status === 'running' && r.itPerSec && r.itPerSec > 0 ? Math.round(Math.max(0, iterations - r.iteration) / r.itPerSec) : null;
  return {
    id: r.id,
    name: r.name,
    status: r.status,
    spec: r.spec,
    progress: { iteration: r.iteration, iterations, itPerSec: r.itPerSec, etaSeconds },
    latest: latestView(r.latest, quality),
    project: r.project ?? DEFAULT_PROJECT,
    createdBy: r.createdBy ?? 'open',
    createdAt: r.createdAt,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    error: r.error,
    cancelRequested: r.cancelRequested,
    backend: r.backend,
    dataset: r.dataset,
    links: {
      self,
      metrics: `${self}/metrics`,
      events: `${self}/events`,
      samples: `${self}/samples`,
      checkpoints: `${self}/checkpoints`,
      generator: urls.generator(r.id),
      signedGenerator: sign(r.id, urls.generator(r.id)),
      cancel: `${self}/cancel`,
    },
  };
}

export function toSampleView(s: SampleRecord, sign: Sign) {
  const url = urls.sample(s.id);
  return { id: s.id, iteration: s.iteration, url, signedUrl: sign(s.jobId, url), createdAt: s.createdAt };
}

export function toCheckpointView(jobId: string, c: CheckpointRecord, sign: Sign) {
  const url = urls.generator(jobId, c.iteration);
  return {
    iteration: c.iteration,
    size: c.size,
    createdAt: c.createdAt,
    url,
    signedUrl: sign(jobId, url),
    archive: urls.checkpointArchive(jobId, c.iteration),
  };
}
