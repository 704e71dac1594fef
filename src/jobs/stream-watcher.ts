// One blocking XREAD for every followed event stream: a follower waits here for its job's next event instead of
// polling Redis, so 200 open streams cost one waiting connection rather than hundreds of reads a second.
import type { Redis } from 'ioredis';

interface Waiter {
  afterId: string;
  /** Resolves the wait: a newer entry is there (or, on close, the caller should look). */
  wake: () => void;
}

/** Stream ids compare as two 64-bit integers. */
export function compareIds(a: string, b: string): number {
  const [a1, a2 = '0'] = a.split('-');
  const [b1, b2 = '0'] = b.split('-');
  const d = BigInt(a1!) - BigInt(b1!);
  if (d !== 0n) return d < 0n ? -1 : 1;
  const e = BigInt(a2) - BigInt(b2);
  return e === 0n ? 0 : e < 0n ? -1 : 1;
}

export class StreamWatcher {
  private reader: Redis | undefined;
  private readerId: number | undefined;
  /** Per stream key: its waiters, and the newest id the reader has seen (what the next XREAD reads after). */
  private readonly keys = new Map<string, { waiters: Set<Waiter>; seen: string }>();
  private running: Promise<void> | undefined;
  private closed = false;

  /** @param redis the shared connection, duplicated once for the blocking reads (a blocked connection serves no one else). */
  constructor(private readonly redis: Redis, private readonly blockMs = 10_000) {}

  /**
   * Resolves true once stream `key` holds an entry after `afterId` (at once when the reader has seen one already); the
   * caller then reads the stream itself. Resolves false after `timeoutMs` or when `signal` aborts.
   */
  async wait(key: string, afterId: string, timeoutMs: number, signal: AbortSignal): Promise<boolean> {
    if (this.closed || signal.aborted) return false;
    let entry = this.keys.get(key);
    if (entry && compareIds(entry.seen, afterId) > 0) return true;
    if (!entry) {
      entry = { waiters: new Set(), seen: afterId };
      this.keys.set(key, entry);
      this.keyAdded();
    }
    const stream = entry;
    return new Promise<boolean>((resolve) => {
      const done = (woken: boolean) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', aborted);
        stream.waiters.delete(waiter);
        if (stream.waiters.size === 0 && this.keys.get(key) === stream) this.keys.delete(key);
        resolve(woken);
      };
      const aborted = () => done(false);
      const waiter: Waiter = { afterId, wake: () => done(true) };
      const timer = setTimeout(aborted, timeoutMs);
      signal.addEventListener('abort', aborted, { once: true });
      stream.waiters.add(waiter);
    });
  }

  /** How many streams the reader is watching (for tests and metrics). */
  get watching(): number {
    return this.keys.size;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const { waiters } of this.keys.values()) for (const w of [...waiters]) w.wake();
    this.reader?.disconnect();
    await this.running?.catch(() => undefined);
  }

  /** A new key must be in the XREAD: unblock the one under way (it returns empty) and start over with the new set. */
  private keyAdded(): void {
    if (!this.running) {
      this.running = this.loop().finally(() => (this.running = undefined));
      return;
    }
    if (this.readerId !== undefined) void this.redis.client('UNBLOCK', this.readerId).catch(() => undefined);
  }

  private async loop(): Promise<void> {
    if (!this.reader) {
      this.reader = this.redis.duplicate({ maxRetriesPerRequest: null });
      this.reader.on('error', () => {}); // the shared connection logs Redis' errors
      this.readerId = Number(await this.reader.client('ID'));
    }
    while (!this.closed && this.keys.size > 0) {
      const keys = [...this.keys.keys()];
      const ids = keys.map((k) => this.keys.get(k)!.seen);
      let res: [string, [string, string[]][]][] | null;
      try {
        res = (await this.reader.xread('COUNT', 50, 'BLOCK', this.blockMs, 'STREAMS', ...keys, ...ids)) as typeof res;
      } catch {
        if (this.closed) return;
        // Redis away: the waiters' own timeouts take them back to their status checks; try again shortly.
        await new Promise((r) => setTimeout(r, 1000));
        continue;
      }
      for (const [key, entries] of res ?? []) {
        const stream = this.keys.get(key);
        const newest = entries.at(-1)?.[0];
        if (!stream || !newest) continue;
        stream.seen = newest;
        for (const w of [...stream.waiters]) if (compareIds(newest, w.afterId) > 0) w.wake();
      }
    }
  }
}
