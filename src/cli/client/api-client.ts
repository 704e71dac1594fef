// The command-line client's view of the HTTP API: JSON requests with node's fetch, problem+json errors as one line.
import { AppError, type Retry } from '../../errors.js';

/** An error answer of the API; `message` is the one line the CLI prints, e.g. `404 Not Found: no job 1234`. */
export class ApiError extends AppError {
  readonly code = 'API_ERROR';
  /** A refusal the API expects to lift (429, 5xx) is transient. */
  readonly retry: Retry;
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly errors: { path?: string; message?: string }[] = [],
  ) {
    // The field errors say more than the detail (which only names the fields).
    const fields = errors
      .map((e) => [e.path, e.message].filter(Boolean).join(': '))
      .filter(Boolean)
      .join('; ');
    const said = fields || detail;
    super(`${status} ${title}${said ? `: ${said}` : ''}`);
    this.retry = status === 429 || status >= 500 ? 'transient' : 'permanent';
  }

  /** The same error with its field paths renamed (e.g. `body.batchSize` to the flag `--batch-size`). */
  renamePaths(rename: (path: string) => string): ApiError {
    return new ApiError(this.status, this.title, this.detail, this.errors.map((e) => ({ ...e, path: e.path && rename(e.path) })));
  }
}

/** The API did not answer at all (refused, unknown host, reset, timed out). */
export class ConnectionError extends AppError {
  readonly code = 'API_UNREACHABLE';
  readonly status = 503;
  readonly retry = 'transient';
}

export class ApiClient {
  /**
   * @param base the API's address; a path in it (behind a proxy) is kept.
   * @param token an API key, sent as Authorization: Bearer on every request (only to `base`'s origin).
   */
  constructor(readonly base: URL, private readonly token?: string) {
    if (!this.base.pathname.endsWith('/')) this.base = new URL(`${this.base.href}/`);
  }

  /** A URL under the API. Root-relative links from the API ("/samples/x.png") stay under the base's path too. */
  url(path: string): URL {
    return new URL(path.replace(/^\//, ''), this.base);
  }

  async json<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
    const res = await this.fetch(path, {
      method,
      headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** Every item of a paged list (`{<key>: [...], nextCursor}`), following nextCursor. */
  async allPages<T>(path: string, key: string): Promise<T[]> {
    const items: T[] = [];
    let cursor: string | null = null;
    do {
      const sep = path.includes('?') ? '&' : '?';
      const page: Record<string, unknown> = await this.json('GET', `${path}${sep}limit=1000${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`);
      items.push(...((page[key] as T[] | undefined) ?? []));
      cursor = typeof page.nextCursor === 'string' ? page.nextCursor : null;
    } while (cursor !== null);
    return items;
  }

  async bytes(path: string): Promise<Uint8Array> {
    const res = await this.fetch(path, { headers: { accept: 'image/png, application/octet-stream, */*' } });
    return new Uint8Array(await res.arrayBuffer());
  }

  /** Sends a request; any answer but 2xx becomes an ApiError. */
  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const url = this.url(path);
    const headers = new Headers(init.headers);
    if (this.token && url.origin === this.base.origin) headers.set('authorization', `Bearer ${this.token}`);
    let res: Response;
    try {
      res = await fetch(url, { ...init, headers });
    } catch (err) {
      throw new ConnectionError(`cannot reach the API at ${this.base.href} (${reason(err)}); set --api or GANFORGE_API`);
    }
    if (!res.ok) throw await toApiError(res);
    return res;
  }
}

async function toApiError(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => '');
  let problem: { title?: unknown; detail?: unknown; errors?: unknown } = {};
  try {
    problem = JSON.parse(text) as typeof problem;
  } catch {
    // Not problem+json (a proxy's HTML page, say): the status line is all we can say.
  }
  const str = (v: unknown) => (typeof v === 'string' ? v.replace(/\s+/g, ' ').trim() : '');
  const errors = Array.isArray(problem.errors) ? (problem.errors as { path?: string; message?: string }[]) : [];
  return new ApiError(res.status, str(problem.title) || res.statusText || 'Error', str(problem.detail), errors);
}

/** The useful part of a fetch failure: undici hides the system error (ECONNREFUSED...) in `cause`. */
function reason(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err as Error).message ?? String(err);
}
