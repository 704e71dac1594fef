// Counts what each client holds open (event streams, archive downloads) on this API instance, up to a limit.
export class ClientSlots {
  private readonly held = new Map<string, number>();
  constructor(private readonly max: number) {}

  /** Takes a slot for `client`: a release function (idempotent), or null when the client holds `max` already. */
  acquire(client: string): (() => void) | null {
    const n = this.held.get(client) ?? 0;
    if (n >= this.max) return null;
    this.held.set(client, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.held.get(client) ?? 1) - 1;
      if (left === 0) this.held.delete(client);
      else this.held.set(client, left);
    };
  }
}
