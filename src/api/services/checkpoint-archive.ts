// What a checkpoint archive holds: a command-line run directory (job.json, metrics.csv, checkpoints/<n>/...) to resume.
import { metricNames, type CheckpointRecord, type JobRecord, type LossPoint } from '../../contract/job.js';
import { RUN_FILES, metricsCsvHeader, checkpointPath, metricsCsvRow, resumeCommand } from '../../contract/run-directory.js';
import { stateLast } from '../../contract/checkpoint-layout.js';
import type { TarEntry } from './tar-writer.js';

/** Rows per Redis read while metrics.csv is streamed. */
const CSV_PAGE = 10_000;

export interface ArchiveSources {
  /** Up to `limit` loss points after iteration `since`, none past the checkpoint's iteration. */
  metrics(since: number, limit: number): Promise<LossPoint[]>;
  /** One file of the checkpoint, by its name in the record. */
  file(name: string): Promise<Uint8Array>;
}

/** `<job name>-<iteration>.tar` with the name cut down to [A-Za-z0-9._-] (safe in a header and a file system). */
export function archiveFilename(job: JobRecord, iteration: number): string {
  const name = job.name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\w.-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, 100);
  return `${name || job.id}-${iteration}.tar`;
}

/**
 * The entries in the order they are sent: job.json, metrics.csv (rows 1..iteration), then the checkpoint's files with
 * state.json last, whose presence marks a whole checkpoint for the trainer: an archive cut short lacks it (or has it
 * cut, which the trainer refuses). metrics.csv is read twice, once for its size (the tar header comes first) and once
 * to send it, page by page.
 */
export async function checkpointArchiveEntries(
  job: JobRecord,
  checkpoint: CheckpointRecord,
  sources: ArchiveSources,
): Promise<AsyncIterable<TarEntry>> {
  const csv = () => metricsCsv(metricNames(job.spec.model), checkpoint.iteration, sources);
  let csvSize = 0;
  for await (const chunk of csv()) csvSize += chunk.byteLength;
  return (async function* entries(): AsyncGenerator<TarEntry> {
    yield { name: RUN_FILES.jobJson, bytes: jobJson(job, checkpoint) };
    yield { name: RUN_FILES.metricsCsv, size: csvSize, chunks: csv() };
    for (const name of [...checkpoint.files].sort(stateLast)) {
      yield { name: `${checkpointPath(checkpoint.iteration)}/${name}`, bytes: await sources.file(name) };
    }
  })();
}

async function* metricsCsv(names: readonly string[], upTo: number, sources: ArchiveSources): AsyncGenerator<Uint8Array> {
  yield Buffer.from(`${metricsCsvHeader(names)}\n`);
  for (let since = 0; since < upTo; ) {
    const points = await sources.metrics(since, CSV_PAGE);
    if (points.length === 0) return;
    yield Buffer.from(points.map((p) => metricsCsvRow(p, names)).join(''));
    since = points.at(-1)!.iteration;
  }
}

function jobJson(job: JobRecord, checkpoint: CheckpointRecord): Uint8Array {
  const about = {
    about:
      'A checkpoint of a ganforge job, laid out as a run directory of the command-line trainer. To continue the job, ' +
      'run `resume` from a ganforge checkout with DIR the directory this archive was extracted into (raise ' +
      '--iterations to train further). The same seed on the same backend continues bit for bit.',
    resume: resumeCommand('DIR', job.spec),
    job: { id: job.id, name: job.name, createdAt: job.createdAt, backend: job.backend, dataset: job.dataset, spec: job.spec },
    checkpoint: { iteration: checkpoint.iteration, createdAt: checkpoint.createdAt, files: checkpoint.files },
  };
  return Buffer.from(`${JSON.stringify(about, null, 2)}\n`);
}
