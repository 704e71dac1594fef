// The jobs list: name, status, progress, it/s, ETA and latest losses, polled every few seconds while visible; tick
// 2 to 8 jobs to compare them (#/compare?ids=...).
import { jobsApi } from './api.js';
import { h, replace } from './dom.js';
import { fmtDuration, fmtFullTime, fmtRate, fmtTime, isTerminal } from './format.js';
import { lossesLine, progressBar, statusBadge } from './widgets.js';
import { MAX_COMPARED } from './compare-view.js';

const REFRESH_MS = 2000;
const PAGE = 50;
const STATUSES = ['', 'queued', 'running', 'completed', 'failed', 'cancelled'];

export function mountJobsList(view) {
  let wanted = PAGE;
  let status = '';
  let timer;
  let stopped = false;

  /** The ticked jobs, in the order ticked (the compare view's order); kept across the list's refreshes. */
  const picked = [];
  const compare = h('button', { class: 'button primary', disabled: true, 'data-action': 'compare', onclick: () => (location.hash = `#/compare?ids=${picked.join(',')}`) }, 'Compare');
  const showPicked = () => {
    compare.disabled = picked.length < 2 || picked.length > MAX_COMPARED;
    compare.textContent = picked.length ? `Compare ${picked.length}` : 'Compare';
    compare.title = `Tick 2 to ${MAX_COMPARED} jobs to compare them`;
  };
  showPicked();
  const toggle = (id, on) => {
    const at = picked.indexOf(id);
    if (on && at < 0) picked.push(id);
    if (!on && at >= 0) picked.splice(at, 1);
    showPicked();
  };

  const filter = h(
    'select',
    { 'aria-label': 'Status', onchange: () => ((status = filter.value), (wanted = PAGE), refresh()) },
    STATUSES.map((s) => h('option', { value: s }, s || 'all statuses')),
  );
  const tbody = h('tbody');
  const more = h('button', { class: 'button', hidden: true, onclick: () => ((wanted += PAGE), refresh()) }, 'Show more');
  const message = h('p', { class: 'muted empty', hidden: true });
  const error = h('p', { class: 'alert', hidden: true });

  replace(
    view,
    h('div', { class: 'page-head' }, h('h1', {}, 'Jobs'), h('div', { class: 'actions' }, filter, compare)),
    error,
    h(
      'div',
      { class: 'card table-card' },
      h(
        'table',
        { class: 'jobs' },
        h(
          'thead',
          {},
          h('tr', {}, h('th', { class: 'pick' }, h('span', { class: 'visually-hidden' }, 'Compare')), ['Name', 'Status', 'Progress', 'it/s', 'ETA', 'Latest losses', 'Created'].map((c) => h('th', {}, c))),
        ),
        tbody,
      ),
      message,
    ),
    more,
  );

  async function refresh() {
    clearTimeout(timer);
    try {
      const { jobs, nextCursor } = await fetchJobs(status, wanted);
      if (stopped) return;
      error.hidden = true;
      replace(tbody, jobs.map((job) => jobRow(job, picked.includes(job.id), toggle)));
      message.hidden = jobs.length > 0;
      message.textContent = status ? `No ${status} jobs.` : 'No jobs yet. Start one with “New job”.';
      more.hidden = !nextCursor;
    } catch (err) {
      if (stopped) return;
      error.hidden = false;
      error.textContent = `Could not load jobs: ${err.message}`;
    }
    if (!stopped) timer = setTimeout(refresh, document.hidden ? REFRESH_MS * 5 : REFRESH_MS);
  }

  const onVisible = () => !document.hidden && refresh();
  document.addEventListener('visibilitychange', onVisible);
  refresh();
  return () => {
    stopped = true;
    clearTimeout(timer);
    document.removeEventListener('visibilitychange', onVisible);
  };
}

/** Follows cursors until `wanted` jobs (or all of them) are loaded. */
async function fetchJobs(status, wanted) {
  const jobs = [];
  let cursor = null;
  do {
    const params = { limit: String(Math.min(PAGE, wanted - jobs.length)) };
    if (status) params.status = status;
    if (cursor) params.cursor = cursor;
    const page = await jobsApi.list(params);
    jobs.push(...page.jobs);
    cursor = page.nextCursor;
  } while (cursor && jobs.length < wanted);
  return { jobs, nextCursor: cursor };
}

function jobRow(job, ticked, toggle) {
  const href = `#/jobs/${job.id}`;
  const running = job.status === 'running';
  const eta = isTerminal(job.status) ? '–' : fmtDuration(job.progress.etaSeconds);
  return h(
    'tr',
    { 'data-job-id': job.id, onclick: (e) => e.target.closest('a, .pick') || (location.hash = href) },
    h(
      'td',
      { class: 'pick' },
      h('input', { type: 'checkbox', checked: ticked, 'aria-label': `Compare ${job.name}`, onchange: (e) => toggle(job.id, e.target.checked) }),
    ),
    h('td', { class: 'name' }, h('a', { href }, job.name), h('div', { class: 'sub mono' }, job.id.slice(0, 8))),
    h('td', {}, statusBadge(job.status)),
    h('td', { class: 'progress-cell' }, progressBar(job.progress, job.status)),
    h('td', { class: 'num' }, running ? fmtRate(job.progress.itPerSec) : '–'),
    h('td', { class: 'num' }, running ? eta : '–'),
    h('td', {}, lossesLine(job.latest)),
    h('td', { class: 'time', title: fmtFullTime(job.createdAt) }, fmtTime(job.createdAt)),
  );
}
