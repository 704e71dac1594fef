// Lists the GPUs this process can see with nvidia-smi: index, UUID, name and memory, or why there are none.
import { execFile } from 'node:child_process';

export interface GpuDevice {
  /** nvidia-smi's index (PCI bus order; CUDA's own default order may differ, which is why workers select by UUID). */
  index: number;
  /** Globally unique, e.g. GPU-5b2a3c7e-1d2f-4f6a-9b8c-0123456789ab; CUDA_VISIBLE_DEVICES accepts it. */
  uuid: string;
  name: string;
  /** memory.total in MiB; null when the driver reports [N/A]. */
  memoryMiB: number | null;
}

export const NVIDIA_SMI_ARGS = ['--query-gpu=index,uuid,name,memory.total', '--format=csv,noheader,nounits'];

const UUID = /^GPU-[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/i;

/**
 * Parses the output of nvidia-smi with NVIDIA_SMI_ARGS: one `index, uuid, name, memory` line per GPU. Blank lines are
 * skipped (no lines: no GPUs); any other line that does not fit throws, naming the line.
 */
export function parseNvidiaSmiCsv(text: string): GpuDevice[] {
  const gpus: GpuDevice[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    const fields = line.split(',').map((f) => f.trim());
    const bad = (why: string) => new Error(`nvidia-smi output line ${i + 1}: ${why}: ${JSON.stringify(line.slice(0, 200))}`);
    if (fields.length < 4) throw bad('expected "index, uuid, name, memory.total"');
    // A name may contain a comma; the index and UUID come first and the memory last.
    const [index, uuid] = fields as [string, string];
    const memory = fields[fields.length - 1]!;
    const name = fields.slice(2, -1).join(', ');
    if (!/^\d+$/.test(index)) throw bad(`index ${JSON.stringify(index)} is not a number`);
    if (!UUID.test(uuid)) throw bad(`${JSON.stringify(uuid)} is not a GPU UUID`);
    if (name === '') throw bad('empty name');
    if (!/^\d+$/.test(memory) && !/^\[N\/A\]$/i.test(memory)) throw bad(`memory.total ${JSON.stringify(memory)} is not a number of MiB`);
    gpus.push({ index: Number(index), uuid, name, memoryMiB: /^\d+$/.test(memory) ? Number(memory) : null });
  });
  const seen = new Set<string>();
  for (const g of gpus) {
    if (seen.has(g.uuid.toLowerCase())) throw new Error(`nvidia-smi lists GPU ${g.uuid} twice`);
    seen.add(g.uuid.toLowerCase());
  }
  return gpus.sort((a, b) => a.index - b.index);
}

export interface GpuListing {
  gpus: GpuDevice[];
  /** Why `gpus` is empty: nvidia-smi missing, failing, printing nothing or something unreadable. */
  reason?: string;
}

/** Runs nvidia-smi (found on `env.PATH`); never throws: no GPUs come with the reason. */
export function listGpus(env: NodeJS.ProcessEnv = process.env, timeoutMs = 15_000): Promise<GpuListing> {
  return new Promise((resolve) => {
    execFile('nvidia-smi', NVIDIA_SMI_ARGS, { env, timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) {
        const e = err as NodeJS.ErrnoException & { killed?: boolean; code?: unknown };
        let reason: string;
        if (e.code === 'ENOENT') reason = 'nvidia-smi not found (no NVIDIA driver, or a container without the utility driver capability)';
        else if (e.killed) reason = `nvidia-smi did not answer within ${timeoutMs} ms`;
        else reason = `nvidia-smi failed (exit ${String(e.code)}): ${firstLine(stderr) || firstLine(stdout) || e.message}`;
        return resolve({ gpus: [], reason });
      }
      try {
        const gpus = parseNvidiaSmiCsv(stdout);
        resolve(gpus.length > 0 ? { gpus } : { gpus, reason: 'nvidia-smi lists no GPU' });
      } catch (parseErr) {
        resolve({ gpus: [], reason: (parseErr as Error).message });
      }
    });
  });
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0]?.trim() ?? '';
}
