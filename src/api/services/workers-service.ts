// The live workers, as their heartbeats describe them: for GET /workers.
import type { WorkerHeartbeat, WorkerRegistry } from '../../jobs/worker-registry.js';

export class WorkersService {
  constructor(private readonly deps: { registry: WorkerRegistry }) {}

  /** Workers heard from within the last 30 s, by id. */
  list(): Promise<WorkerHeartbeat[]> {
    return this.deps.registry.list();
  }
}
