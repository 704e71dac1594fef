// The API client used by every view: JSON in and out, archive uploads with progress, problem+json errors raised as
// ApiError. URLs stay relative.

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

/** "Payload Too Large: the archive passes 512 MiB" from a problem+json (and its field errors, if any). */
export function problemText(err) {
  if (!(err instanceof ApiError)) return err.message;
  const fields = err.errors.map((e) => (typeof e === 'string' ? e : [e.path, e.message].filter(Boolean).join(': ')));
  return [err.title || `HTTP ${err.status}`, [err.detail, ...fields].filter(Boolean).join('; ')].filter(Boolean).join(': ');
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
  return answer(res.status, res.statusText, await res.text(), path);
}

/** The parsed body of a 2xx answer, or the problem+json of any other raised as ApiError. */
function answer(status, statusText, text, path) {
  const data = text ? safeJson(text) : null;
  if (status === 401 && path !== 'session') onUnauthorized();
  if (status < 200 || status > 299) {
    throw new ApiError(data && typeof data === 'object' ? { ...data, status } : { status, title: statusText });
  }
  return data;
}

/**
 * Sends a file as the raw body of a POST with XMLHttpRequest, whose upload events fetch does not have:
 * `onProgress(sent, total)` as the bytes leave. Resolves to the parsed answer; errors as api() raises them.
 */
export function upload(path, file, contentType, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    xhr.setRequestHeader('accept', 'application/json');
    xhr.setRequestHeader('content-type', contentType);
    if (csrfToken) xhr.setRequestHeader('x-csrf-token', csrfToken);
    xhr.upload.addEventListener('progress', (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size));
    xhr.addEventListener('load', () => {
      try {
        resolve(answer(xhr.status, xhr.statusText, xhr.responseText, path));
      } catch (err) {
        reject(err);
      }
    });
    // The API may answer (413, 429) and close before the body is sent: some browsers then report a network error.
    xhr.addEventListener('error', () => reject(new ApiError({ status: 0, title: 'Network error', detail: 'the upload was cut off' })));
    xhr.send(file);
  });
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

export const datasetsApi = {
  list: () => api('datasets'),
  get: (id) => api(`datasets/${encodeURIComponent(id)}`),
  remove: (id) => api(`datasets/${encodeURIComponent(id)}`, { method: 'DELETE' }),
  previewUrl: (id) => `datasets/${encodeURIComponent(id)}/preview.png`,
  /** `query`: { name, size, channels }; `onProgress(sent, total)`. */
  upload: (file, contentType, query, onProgress) => upload(`datasets?${new URLSearchParams(query)}`, file, contentType, onProgress),
};
