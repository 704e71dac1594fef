// The live workers, as their heartbeats describe them: for GET /workers.
import type { WorkerGpu, WorkerHeartbeat, WorkerRegistry } from '../../jobs/worker-registry.js';

export class WorkersService {
  constructor(private readonly deps: { registry: WorkerRegistry }) {}

  /** Workers heard from within the last 30 s, by id; `gpu` is null for workers from before GPU claims. */
  async list(): Promise<(WorkerHeartbeat & { gpu: WorkerGpu | null })[]> {
    return (await this.deps.registry.list()).map((w) => ({ ...w, gpu: w.gpu ?? null }));
  }
}
