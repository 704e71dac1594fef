// Readiness: the API is ready when Redis answers a PING within the timeout.
import type { Redis } from 'ioredis';
import { UnavailableError } from './errors.js';

export class HealthService {
  constructor(private readonly deps: { redis: Redis; timeoutMs: number }) {}

  async assertReady(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new UnavailableError(`Redis did not answer within ${this.deps.timeoutMs} ms`)), this.deps.timeoutMs);
    });
    try {
      await Promise.race([this.deps.redis.ping(), timeout]);
    } catch (err) {
      if (err instanceof UnavailableError) throw err;
      throw new UnavailableError('Redis is unreachable');
    } finally {
      clearTimeout(timer);
    }
  }
}
