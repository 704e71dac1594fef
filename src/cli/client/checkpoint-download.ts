// `ganforge checkpoint`: downloads a checkpoint archive and extracts it as a run directory the trainer can resume.
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import tar from 'tar-stream';
import { backendFlagOf } from '../../contract/backends.js';
import { RUN_FILES, checkpointPath, resumeCommand } from '../../contract/run-directory.js';
import { STATE_FILE } from '../../contract/checkpoint-layout.js';
import { TMP_PREFIX, findLatestCheckpoint } from '../run-dir.js';
import type { ApiClient } from './api-client.js';
import type { Command } from './client-args.js';
import type { CheckpointList, JobResource } from './job-types.js';
import { AppError } from '../../errors.js';

/** The target directory or the archive cannot be used; printed as one line. */
export class CheckpointDownloadError extends AppError {
  readonly code = 'CHECKPOINT_DOWNLOAD';
  readonly status = 500;
  readonly retry = 'permanent';
}

/** A path segment the archive may use: what the artifact store accepts as a key segment, so never '.' or '..'. */
const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;
const out = (text: string) => void process.stdout.write(`${text}\n`);

export async function checkpoint(api: ApiClient, cmd: Extract<Command, { name: 'checkpoint' }>): Promise<number> {
  // Checked first, as the trainer does: a second checkpoint would make --resume pick whichever is newer.
  const held = await findLatestCheckpoint(cmd.out);
  if (held) {
    throw new CheckpointDownloadError(`${cmd.out} already holds a checkpoint (iteration ${held.iteration}); choose another --out`);
  }
  const jobUrl = `jobs/${encodeURIComponent(cmd.id)}`;
  const job = await api.json<JobResource>('GET', jobUrl);
  const checkpoints = await api.allPages<CheckpointList['checkpoints'][number]>(`${jobUrl}/checkpoints`, 'checkpoints');
  const chosen = cmd.iteration === undefined ? checkpoints.at(-1) : checkpoints.find((c) => c.iteration === cmd.iteration);
  if (!chosen) {
    const have = checkpoints.length ? `; it has ${checkpoints.map((c) => c.iteration).join(', ')}` : '';
    const which = cmd.iteration === undefined ? 'no checkpoint yet' : `no checkpoint at iteration ${cmd.iteration}`;
    throw new CheckpointDownloadError(`job ${job.name} (${job.id}) has ${which}${have}`);
  }

  const res = await api.fetch(chosen.archive, { headers: { accept: 'application/x-tar' } });
  if (!res.body) throw new CheckpointDownloadError(`${chosen.archive}: the API sent no archive`);
  const written = await extractRunDirectory(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), cmd.out, chosen.iteration);

  const dir = path.join(cmd.out, checkpointPath(chosen.iteration));
  out(`checkpoint ${chosen.iteration} of ${job.name} (${job.id}) written to ${cmd.out}:`);
  out(`  ${dir}${path.sep}  ${written.files} files, ${formatBytes(written.bytes)}`);
  for (const name of written.extra) out(`  ${path.join(cmd.out, name)}`);
  out('continue the job with (raise --iterations to train past its end):');
  // Absolute: npm runs the script in the package's root, whatever the directory it is typed in.
  out(`  ${resumeCommand(path.resolve(cmd.out), job.spec)}`);
  if (job.backend) {
    // The job reports a label (e.g. 'wasm+onednn'); the trainer's flag takes a backend name (e.g. 'wasm').
    const flag = backendFlagOf(job.backend);
    out(`(it trained on the ${job.backend} backend; ${flag ? `add --backend ${flag}` : 'on the same backend'} to continue it bit for bit)`);
  }
  return 0;
}

/**
 * Extracts the archive into a staging directory under DIR/checkpoints/.tmp-*, then moves metrics.csv and job.json into
 * place and the checkpoint last, so an interrupted download never leaves a checkpoint the trainer would take (and the
 * trainer removes the staging leftovers). Only the entries a checkpoint archive has are accepted, as regular files.
 */
async function extractRunDirectory(
  archive: Readable,
  outDir: string,
  iteration: number,
): Promise<{ files: number; bytes: number; extra: string[] }> {
  const root = path.join(outDir, RUN_FILES.checkpoints);
  await mkdir(root, { recursive: true });
  const staging = path.join(root, `${TMP_PREFIX}download-${iteration}-${process.pid}-${randomBytes(4).toString('hex')}`);
  await mkdir(staging);
  const dir = checkpointPath(iteration);
  const extract = tar.extract();
  archive.on('error', (err) => extract.destroy(err));
  archive.pipe(extract);
  const extra: string[] = [];
  let files = 0;
  let bytes = 0;
  let whole = false;
  try {
    for await (const entry of extract) {
      const { name, type } = entry.header;
      // Directories are made as their files need them; an entry of the archive never names one.
      if (type === 'directory') {
        entry.resume();
        continue;
      }
      const rel = name.startsWith(`${dir}/`) ? name.slice(dir.length + 1).split('/') : null;
      const known = name === RUN_FILES.metricsCsv || name === RUN_FILES.jobJson || (rel !== null && rel.every((s) => SEGMENT.test(s)));
      if (!known || type !== 'file') {
        throw new CheckpointDownloadError(`the archive holds an unexpected ${type ?? 'entry'} ${JSON.stringify(name.slice(0, 200))}`);
      }
      const target = path.join(staging, ...name.split('/'));
      await mkdir(path.dirname(target), { recursive: true });
      const handle = await open(target, 'wx');
      try {
        for await (const chunk of entry) await handle.write(chunk as Uint8Array);
        await handle.sync();
      } finally {
        await handle.close();
      }
      if (rel) {
        files++;
        bytes += entry.header.size;
        whole ||= rel.join('/') === STATE_FILE;
      } else {
        extra.push(name);
      }
    }
    if (!whole) throw new CheckpointDownloadError(`the archive holds no ${dir}/state.json: not a whole checkpoint`);
    for (const name of extra) await rename(path.join(staging, name), path.join(outDir, name));
    await rename(path.join(staging, ...dir.split('/')), path.join(outDir, ...dir.split('/')));
    return { files, bytes, extra };
  } catch (err) {
    // File-system errors name their path; what else fails here is the download or the tar format.
    const errno = typeof (err as NodeJS.ErrnoException).code === 'string' && /^E[A-Z]+$/.test((err as NodeJS.ErrnoException).code!);
    if (err instanceof CheckpointDownloadError || errno) throw err;
    throw new CheckpointDownloadError(`could not read the archive of checkpoint ${iteration} (${(err as Error).message}); nothing was kept`);
  } finally {
    archive.destroy();
    await rm(staging, { recursive: true, force: true });
  }
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 ** 2).toFixed(1)} MiB`;
}
