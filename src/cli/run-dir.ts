// The command-line trainer's file adapter: crash-safe checkpoints, sample PNGs and metrics.csv under an --out directory.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { RUN_FILES, metricsCsvHeader, metricsCsvRow } from '../contract/run-directory.js';
import type { LossPoint } from '../contract/job.js';
import { STATE_FILE } from '../contract/checkpoint-layout.js';
import type { CheckpointFiles } from '../gan/checkpoint-files.js';

export type { CheckpointFiles };

const CHECKPOINTS = RUN_FILES.checkpoints;
const SAMPLES = 'samples';
const METRICS_CSV = RUN_FILES.metricsCsv;
/** Prefix of work-in-progress names; never a valid checkpoint, removed by cleanTempCheckpoints. */
export const TMP_PREFIX = '.tmp-';
const CHECKPOINT_NAME = /^(0|[1-9]\d*)$/;

export function checkpointDir(outDir: string, iteration: number): string {
  return join(outDir, CHECKPOINTS, String(iteration));
}

/**
 * Writes a checkpoint so that it appears under checkpoints/<iteration>/ complete or not at all: files are written
 * and fsynced in a .tmp-* directory which is then renamed. `metrics` is flushed first, so metrics.csv never lags
 * behind the newest checkpoint. Returns the checkpoint directory.
 */
export async function writeCheckpoint(
  outDir: string,
  iteration: number,
  files: CheckpointFiles,
  metrics?: { flush(): Promise<void> },
): Promise<string> {
  requireIteration(iteration);
  for (const rel of files.keys()) requireRelativePath(rel);
  const root = join(outDir, CHECKPOINTS);
  await mkdir(root, { recursive: true });
  const tmp = join(root, `${TMP_PREFIX}${iteration}-${uniqueSuffix()}`);
  const final = checkpointDir(outDir, iteration);
  let aside: string | undefined;
  try {
    await mkdir(tmp);
    const dirs = new Set([tmp]);
    for (const [rel, bytes] of files) {
      const target = join(tmp, ...rel.split('/'));
      await mkdir(dirname(target), { recursive: true });
      await writeDurably(target, bytes, 'wx');
      dirs.add(dirname(target));
    }
    for (const dir of dirs) await fsyncDir(dir);
    await metrics?.flush();
    if (await exists(final)) {
      // Rewriting an iteration (e.g. after resuming from an older checkpoint): move the old one aside first,
      // under a .tmp- name, so a crash in between leaves at worst an older checkpoint as the latest.
      aside = join(root, `${TMP_PREFIX}replaced-${iteration}-${uniqueSuffix()}`);
      await rename(final, aside);
    }
    await rename(tmp, final);
    if (aside !== undefined) await rm(aside, { recursive: true, force: true });
    await fsyncDir(root);
    return final;
  } catch (err) {
    await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    // A failed rename must not lose the checkpoint that was there before.
    if (aside !== undefined && !(await exists(final).catch(() => true))) await rename(aside, final).catch(() => undefined);
    throw err;
  }
}

/** The newest complete checkpoint: the highest numeric directory holding state.json, or null when there is none. */
export async function findLatestCheckpoint(outDir: string): Promise<{ iteration: number; dir: string } | null> {
  const root = join(outDir, CHECKPOINTS);
  const names = (await readdirOrEmpty(root)).filter((n) => CHECKPOINT_NAME.test(n));
  names.sort((a, b) => Number(b) - Number(a));
  for (const name of names) {
    const dir = join(root, name);
    const state = await stat(join(dir, STATE_FILE)).catch(() => null);
    if (state?.isFile()) return { iteration: Number(name), dir };
  }
  return null;
}

/**
 * Removes .tmp-* leftovers of interrupted checkpoint writes. Call once at start-up, before training writes
 * anything: a second process writing to the same --out directory is not supported. Returns the names removed.
 */
export async function cleanTempCheckpoints(outDir: string): Promise<string[]> {
  const root = join(outDir, CHECKPOINTS);
  const leftovers = (await readdirOrEmpty(root)).filter((n) => n.startsWith(TMP_PREFIX));
  for (const name of leftovers) await rm(join(root, name), { recursive: true, force: true });
  return leftovers;
}

/** Reads every file under `dir`, keyed by posix path relative to it. */
export async function readCheckpoint(dir: string): Promise<CheckpointFiles> {
  const files: CheckpointFiles = new Map();
  async function walk(abs: string, rel: string): Promise<void> {
    const entries = await readdir(abs, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const childRel = rel === '' ? entry.name : `${rel}/${entry.name}`;
      const childAbs = join(abs, entry.name);
      if (entry.isDirectory()) await walk(childAbs, childRel);
      else if (entry.isFile()) files.set(childRel, new Uint8Array(await readFile(childAbs)));
    }
  }
  await walk(dir, '');
  return files;
}

/** Writes samples/<iteration>.png via a temporary file and a rename, so viewers never see a half-written PNG. */
export async function writeSample(outDir: string, iteration: number, png: Uint8Array): Promise<string> {
  requireIteration(iteration);
  const dir = join(outDir, SAMPLES);
  await mkdir(dir, { recursive: true });
  const final = join(dir, `${iteration}.png`);
  const tmp = join(dir, `${TMP_PREFIX}${iteration}-${uniqueSuffix()}.png`);
  try {
    await writeDurably(tmp, png, 'wx');
    await rename(tmp, final);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
  return final;
}

/**
 * Appends one CSV row per iteration to OUT/metrics.csv. Rows are buffered in memory and written on flush(),
 * close(), and by writeCheckpoint before a checkpoint becomes visible.
 */
export class MetricsCsvWriter {
  private buffer: string[] = [];
  private pending: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    private readonly names: readonly string[],
  ) {}

  /**
   * Opens OUT/metrics.csv. A fresh run (`resumeFrom` undefined) starts a new file. Resuming from the checkpoint at
   * iteration k keeps the rows with iteration <= k and drops later ones, which a crash after the last checkpoint
   * may have left and the resumed run will write again.
   */
  static async open(outDir: string, names: readonly string[], opts: { resumeFrom?: number } = {}): Promise<MetricsCsvWriter> {
    const header = metricsCsvHeader(names);
    await mkdir(outDir, { recursive: true });
    const path = join(outDir, METRICS_CSV);
    let kept = '';
    if (opts.resumeFrom !== undefined) {
      requireIteration(opts.resumeFrom);
      kept = keepRowsUpTo(await readFile(path, 'utf8').catch(ignoreMissing), opts.resumeFrom, path, header);
    }
    const tmp = join(outDir, `${TMP_PREFIX}${METRICS_CSV}-${uniqueSuffix()}`);
    await writeDurably(tmp, new TextEncoder().encode(`${header}\n${kept}`), 'wx');
    await rename(tmp, path);
    return new MetricsCsvWriter(path, await open(path, 'a'), names);
  }

  append(row: LossPoint): void {
    if (this.closed) throw new Error(`${this.path}: append after close`);
    this.buffer.push(metricsCsvRow(row, this.names));
  }

  /** Writes buffered rows and fsyncs; concurrent calls are serialised. */
  flush(): Promise<void> {
    const run = this.pending.then(async () => {
      if (this.buffer.length === 0) return;
      const text = this.buffer.join('');
      this.buffer = [];
      await this.handle.appendFile(text);
      await this.handle.sync();
    });
    this.pending = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.flush();
    } finally {
      this.closed = true;
      await this.handle.close();
    }
  }
}

/** The data rows (with trailing newlines) of `text` whose iteration is <= k; a torn last line is dropped. */
function keepRowsUpTo(text: string, k: number, path: string, header: string): string {
  if (text === '') return '';
  const lines = text.split('\n');
  if (lines[0].trim() !== header) {
    throw new Error(`${path}: unexpected header ${JSON.stringify(lines[0])}, expected ${JSON.stringify(header)}`);
  }
  // Only newline-terminated lines are complete rows; the last element is '' or a torn write.
  const complete = lines.slice(1, -1);
  return complete
    .filter((line) => {
      const first = line.split(',', 1)[0];
      return CHECKPOINT_NAME.test(first) && Number(first) <= k;
    })
    .map((line) => `${line}\n`)
    .join('');
}

async function writeDurably(path: string, bytes: Uint8Array, flags: string): Promise<void> {
  const handle = await open(path, flags);
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Makes renames and new entries in `dir` durable; not possible on every platform (e.g. Windows), so best effort. */
async function fsyncDir(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // Durability of the directory entry is an optimisation; atomicity comes from rename.
  } finally {
    await handle?.close();
  }
}

function uniqueSuffix(): string {
  return `${process.pid}-${randomBytes(4).toString('hex')}`;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    (err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? false : Promise.reject(err)),
  );
}

async function readdirOrEmpty(dir: string): Promise<string[]> {
  return readdir(dir).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? [] : Promise.reject(err)));
}

function ignoreMissing(err: NodeJS.ErrnoException): string {
  if (err.code === 'ENOENT') return '';
  throw err;
}

function requireIteration(iteration: number): void {
  if (!Number.isSafeInteger(iteration) || iteration < 0) {
    throw new RangeError(`iteration must be a non-negative integer, got ${String(iteration)}`);
  }
}

/** Checkpoint keys come from the engine; refuse anything that could escape the checkpoint directory. */
function requireRelativePath(rel: string): void {
  const parts = rel.split('/');
  if (rel.includes('\\') || parts.some((p) => p === '' || p === '.' || p === '..')) {
    throw new Error(`checkpoint file path must be a relative posix path without . or .. segments, got ${JSON.stringify(rel)}`);
  }
}
