// A cache bounded by bytes, least recently used first out: what workers keep decoded datasets in.

/**
 * Caches the promise of a value per key, so concurrent asks load once. A failed load is forgotten. When the values'
 * sizes add up to more than `maxBytes`, the least recently used are dropped (a value larger than the bound alone is
 * returned but not kept).
 */
export class ByteLruCache<V> {
  private readonly entries = new Map<string, { value: Promise<V>; bytes: number }>();
  private total = 0;

  constructor(
    readonly maxBytes: number,
    private readonly sizeOf: (value: V) => number,
  ) {}

  get bytes(): number {
    return this.total;
  }

  keys(): string[] {
    return [...this.entries.keys()];
  }

  get(key: string, load: () => Promise<V>): Promise<V> {
    const hit = this.entries.get(key);
    if (hit) {
      // Map keeps insertion order: re-inserting makes this the most recently used.
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit.value;
    }
    const entry = { value: load(), bytes: 0 };
    this.entries.set(key, entry);
    entry.value.then(
      (v) => {
        if (this.entries.get(key) !== entry) return;
        entry.bytes = this.sizeOf(v);
        this.total += entry.bytes;
        this.evict();
      },
      () => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
    return entry.value;
  }

  delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.total -= entry.bytes;
  }

  private evict(): void {
    for (const [key, entry] of this.entries) {
      if (this.total <= this.maxBytes) break;
      // Still loading: its size is not counted yet.
      if (entry.bytes === 0) continue;
      this.delete(key);
    }
  }
}
