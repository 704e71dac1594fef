// A minimal Server-Sent Events client for tests: collects parsed events, resolves when the server ends the stream.
import http from 'node:http';

export interface SseEvent {
  id: string;
  event: string;
  data: unknown;
}

export interface SseClient {
  status: number;
  headers: http.IncomingHttpHeaders;
  events: SseEvent[];
  /** The last id the stream sent, also by a block without an event (what EventSource would resume after). */
  lastEventId: string | undefined;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  /** Resolves once `n` events have arrived. */
  waitFor(n: number): Promise<void>;
  close(): void;
}

export function connect(base: string, path: string, headers: Record<string, string> = {}): Promise<SseClient> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${base}${path}`, { headers }, (res) => {
      const events: SseEvent[] = [];
      const waiters: { n: number; resolve: () => void }[] = [];
      const client: SseClient = {
        status: res.statusCode!,
        headers: res.headers,
        events,
        lastEventId: undefined,
        ended: new Promise<void>((r) => res.on('end', r)),
        waitFor: (n) => (events.length >= n ? Promise.resolve() : new Promise((r) => waiters.push({ n, resolve: r }))),
        close: () => req.destroy(),
      };
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields = Object.fromEntries(
            block.split('\n').filter((l) => l && !l.startsWith(':')).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]),
          );
          if (fields.id !== undefined) client.lastEventId = fields.id;
          if (fields.event) events.push({ id: fields.id!, event: fields.event, data: JSON.parse(fields.data!) });
        }
        for (const w of waiters) if (events.length >= w.n) w.resolve();
      });
      resolve(client);
    });
    req.on('error', reject);
  });
}

