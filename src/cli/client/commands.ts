// The `ganforge` client's commands other than watch: each takes the API and its parsed arguments, returns an exit code.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ApiError, type ApiClient } from './api-client.js';
import type { Command } from './client-args.js';
import { flagOf } from '../../contract/run-directory.js';
import { jobSheet, jobsTable, printable } from './job-format.js';
import type { JobList, JobResource, SampleList } from './job-types.js';
import type { JobQuality } from '../../contract/quality.js';

const DOWNLOADS_AT_ONCE = 4;
const out = (text: string) => void process.stdout.write(`${text}\n`);
const jobPath = (id: string) => `jobs/${encodeURIComponent(id)}`;

export async function submit(api: ApiClient, { spec }: Extract<Command, { name: 'submit' }>): Promise<number> {
  try {
    const job = await api.json<JobResource>('POST', 'jobs', spec);
    out(job.id);
    return 0;
  } catch (err) {
    // The API names body fields; the user typed flags.
    if (err instanceof ApiError) throw err.renamePaths((p) => (p.startsWith('body.') ? `--${flagOf(p.slice(5))}` : p));
    throw err;
  }
}

export async function list(api: ApiClient, cmd: Extract<Command, { name: 'list' }>): Promise<number> {
  const query = new URLSearchParams({ limit: String(cmd.limit), ...(cmd.status ? { status: cmd.status } : {}) });
  const page = await api.json<JobList>('GET', `jobs?${query}`);
  if (cmd.json) out(JSON.stringify(page, null, 2));
  else if (page.jobs.length === 0) out(cmd.status ? `no ${cmd.status} jobs` : 'no jobs');
  else out(jobsTable(page.jobs));
  return 0;
}

export async function status(api: ApiClient, cmd: Extract<Command, { name: 'status' }>): Promise<number> {
  const job = await api.json<JobResource>('GET', jobPath(cmd.id));
  if (cmd.json) out(JSON.stringify(job, null, 2));
  else out(jobSheet(job, await api.json<JobQuality>('GET', `${jobPath(cmd.id)}/quality`)));
  return 0;
}

/** Writes every sample grid as DIR/sample-<iteration>.png, iterations zero-padded so the files sort in order. */
export async function samples(api: ApiClient, cmd: Extract<Command, { name: 'samples' }>): Promise<number> {
  const job = await api.json<JobResource>('GET', jobPath(cmd.id));
  const list = await api.allPages<SampleList['samples'][number]>(`${jobPath(cmd.id)}/samples`, 'samples');
  await mkdir(cmd.out, { recursive: true });
  const width = String(job.spec.iterations).length;
  const queue = [...list];
  const worker = async () => {
    for (let s = queue.shift(); s; s = queue.shift()) {
      const file = path.join(cmd.out, `sample-${String(s.iteration).padStart(width, '0')}.png`);
      const bytes = await api.bytes(s.url);
      // Written under a temporary name first, so an interrupted download never leaves a truncated PNG behind.
      await writeFile(`${file}.part`, bytes);
      await rename(`${file}.part`, file);
    }
  };
  await Promise.all(Array.from({ length: DOWNLOADS_AT_ONCE }, worker));
  out(`${list.length} sample${list.length === 1 ? '' : 's'} of ${job.name} written to ${cmd.out}`);
  return 0;
}

/** A fresh grid from the job's generator (GET /jobs/:id/generate.png), written to FILE. */
export async function generate(api: ApiClient, cmd: Extract<Command, { name: 'generate' }>): Promise<number> {
  let bytes: Uint8Array;
  try {
    bytes = await api.bytes(`${jobPath(cmd.id)}/generate.png?${new URLSearchParams(cmd.query)}`);
  } catch (err) {
    // The API names query parameters; the user typed flags.
    if (err instanceof ApiError) throw err.renamePaths((p) => (p.startsWith('query.') ? `--${p.slice(6)}` : p));
    throw err;
  }
  await writeFile(`${cmd.out}.part`, bytes);
  await rename(`${cmd.out}.part`, cmd.out);
  out(`wrote ${cmd.out}`);
  return 0;
}

export async function cancel(api: ApiClient, cmd: Extract<Command, { name: 'cancel' }>): Promise<number> {
  const job = await api.json<JobResource>('POST', `${jobPath(cmd.id)}/cancel`);
  out(job.status === 'cancelled' ? `cancelled ${job.id}` : `cancel requested for ${job.id}; the worker stops it at its next check`);
  return 0;
}

export async function resume(api: ApiClient, cmd: Extract<Command, { name: 'resume' }>): Promise<number> {
  const body = cmd.iterations === undefined ? {} : { iterations: cmd.iterations };
  try {
    const job = await api.json<JobResource>('POST', `${jobPath(cmd.id)}/resume`, body);
    out(`resumed ${job.id}: queued, from iteration ${job.progress.iteration} to ${job.progress.iterations}`);
    return 0;
  } catch (err) {
    if (err instanceof ApiError) throw err.renamePaths((p) => (p.startsWith('body.') ? `--${flagOf(p.slice(5))}` : p));
    throw err;
  }
}

export async function remove(api: ApiClient, cmd: Extract<Command, { name: 'delete' }>): Promise<number> {
  await api.json<undefined>('DELETE', jobPath(cmd.id));
  out(`deleted ${cmd.id}`);
  return 0;
}

interface KeyView {
  id: string;
  project: string;
  role: string;
  name: string | null;
  createdAt: string;
}

/** Prints the new key's token alone on stdout (for `$(...)`), what it is on stderr: the token cannot be shown again. */
export async function keysCreate(api: ApiClient, cmd: Extract<Command, { name: 'keys-create' }>): Promise<number> {
  const key = await api.json<KeyView & { token: string }>('POST', 'keys', {
    project: cmd.project,
    role: cmd.role,
    ...(cmd.keyName === undefined ? {} : { name: cmd.keyName }),
  });
  process.stderr.write(`created ${key.id} (${key.role} of project ${key.project}); its token, shown only now:\n`);
  out(key.token);
  return 0;
}

export async function keysList(api: ApiClient, cmd: Extract<Command, { name: 'keys-list' }>): Promise<number> {
  const { keys } = await api.json<{ keys: KeyView[] }>('GET', 'keys');
  if (cmd.json) out(JSON.stringify(keys, null, 2));
  else if (keys.length === 0) out('no keys');
  else {
    const rows = [['ID', 'PROJECT', 'ROLE', 'CREATED', 'NAME'], ...keys.map((k) => [k.id, k.project, k.role, k.createdAt, printable(k.name ?? '')])];
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    out(rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n'));
  }
  return 0;
}

export async function keysRevoke(api: ApiClient, cmd: Extract<Command, { name: 'keys-revoke' }>): Promise<number> {
  await api.json<undefined>('DELETE', `keys/${encodeURIComponent(cmd.id)}`);
  out(`revoked ${cmd.id}`);
  return 0;
}
