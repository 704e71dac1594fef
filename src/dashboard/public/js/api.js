// The API client used by every view: JSON in and out, problem+json errors raised as ApiError. URLs stay relative.

export class ApiError extends Error {
  /** @param {{ type?: string, title?: string, status: number, detail?: string, errors?: unknown[] }} problem */
  constructor(problem) {
    super(problem.detail || problem.title || `HTTP ${problem.status}`);
    this.status = problem.status;
    this.title = problem.title ?? '';
    this.detail = problem.detail ?? '';
    this.errors = Array.isArray(problem.errors) ? problem.errors : [];
  }
}

/** The session's CSRF token (GET session, or the login's answer): every write sends it. */
let csrfToken = null;
/** Called when the API answers 401: the session ended (or there never was one). */
let onUnauthorized = () => undefined;

export function setSession(session) {
  csrfToken = session?.csrfToken ?? null;
}
export function whenUnauthorized(handler) {
  onUnauthorized = handler;
}

/** Calls the API at a path relative to the page (e.g. "jobs"), so the dashboard works behind any host name. */
export async function api(path, { method = 'GET', body } = {}) {
  const init = { method, headers: { accept: 'application/json' } };
  if (method !== 'GET' && csrfToken) init.headers['x-csrf-token'] = csrfToken;
  if (body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch {
    throw new ApiError({ status: 0, title: 'Network error', detail: 'the API did not answer' });
  }
  const text = await res.text();
  const data = text ? safeJson(text) : null;
  if (res.status === 401 && path !== 'session') onUnauthorized();
  if (!res.ok) {
    throw new ApiError(data && typeof data === 'object' ? { ...data, status: res.status } : { status: res.status, title: res.statusText });
  }
  return data;
}

function safeJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** The API's links are root-relative ("/samples/x.png"); made page-relative they also work under a path prefix. */
export function relative(url) {
  return url.startsWith('/') ? url.slice(1) : url;
}

/** Every item of a paged list ({[key]: [...], nextCursor}), following nextCursor: `{[key]: all}`. */
async function allPages(path, key) {
  const items = [];
  let cursor = null;
  do {
    const page = await api(`${path}?${new URLSearchParams({ limit: '1000', ...(cursor === null ? {} : { cursor }) })}`);
    items.push(...page[key]);
    cursor = page.nextCursor;
  } while (cursor !== null && cursor !== undefined);
  return { [key]: items };
}

export const sessionApi = {
  get: () => api('session'),
  login: (token) => api('session', { method: 'POST', body: { token } }),
  logout: () => api('session', { method: 'DELETE' }),
};

export const jobsApi = {
  list: (params) => api(`jobs?${new URLSearchParams(params)}`),
  get: (id) => api(`jobs/${encodeURIComponent(id)}`),
  /** Up to 8 jobs by id, in that order (the compare view). */
  byIds: (ids) => api(`jobs?${new URLSearchParams({ ids: ids.join(',') })}`),
  create: (spec) => api('jobs', { method: 'POST', body: spec }),
  cancel: (id) => api(`jobs/${encodeURIComponent(id)}/cancel`, { method: 'POST' }),
  resume: (id, body = {}) => api(`jobs/${encodeURIComponent(id)}/resume`, { method: 'POST', body }),
  remove: (id) => api(`jobs/${encodeURIComponent(id)}`, { method: 'DELETE' }),
  metrics: (id, params) => api(`jobs/${encodeURIComponent(id)}/metrics?${new URLSearchParams(params)}`),
  quality: (id) => api(`jobs/${encodeURIComponent(id)}/quality`),
  samples: (id) => allPages(`jobs/${encodeURIComponent(id)}/samples`, 'samples'),
  checkpoints: (id) => allPages(`jobs/${encodeURIComponent(id)}/checkpoints`, 'checkpoints'),
  eventsUrl: (id) => `jobs/${encodeURIComponent(id)}/events`,
};
