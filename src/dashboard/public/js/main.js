// The dashboard's entry point: the session (login when the API asks for one), then a hash router that mounts one view
// at a time (#/, #/new, #/jobs/ID).
import { sessionApi, setSession, whenUnauthorized } from './api.js';
import { h, replace } from './dom.js';
import { mountDataset } from './dataset-view.js';
import { mountDatasets } from './datasets-view.js';
import { mountJob } from './job-view.js';
import { mountLogin } from './login-view.js';
import { mountJobsList } from './jobs-view.js';
import { mountNewJob } from './new-job-view.js';
import { compareIds, mountCompare } from './compare-view.js';

const view = document.getElementById('view');
const who = document.getElementById('who');
let unmount = () => undefined;
let loggedIn = false;

/** Shows who the dashboard acts as, with a way out unless the API runs open. */
function showSession(session) {
  setSession(session);
  loggedIn = true;
  replace(
    who,
    h('span', { class: 'project', title: `role ${session.role}` }, session.open ? 'open (no keys)' : `project ${session.project}`),
    session.open ? null : h('button', { type: 'button', class: 'button small', id: 'logout', onclick: logout }, 'Log out'),
  );
}

async function logout() {
  await sessionApi.logout().catch(() => undefined);
  showLogin();
}

function showLogin() {
  unmount();
  loggedIn = false;
  setSession(null);
  replace(who);
  document.title = 'ganforge: log in';
  unmount = mountLogin(view, (session) => {
    showSession(session);
    route();
  });
}

function route() {
  if (!loggedIn) return;
  unmount();
  const hash = location.hash.replace(/^#\/?/, '');
  const job = /^jobs\/([\w-]+)$/.exec(hash);
  const dataset = /^datasets\/([\w-]+)$/.exec(hash);
  const newJob = /^new(?:\?(.*))?$/.exec(hash);
  let nav = 'jobs';
  document.title = 'ganforge';
  if (job) {
    unmount = mountJob(view, job[1]);
  } else if (compareIds(hash)) {
    unmount = mountCompare(view, compareIds(hash));
  } else if (newJob) {
    nav = 'new';
    // #/new?dataset=ID: the form with that dataset chosen (the dataset page's "Train a job on it").
    unmount = mountNewJob(view, { dataset: new URLSearchParams(newJob[1] ?? '').get('dataset') });
  } else if (hash === 'datasets' || dataset) {
    nav = 'datasets';
    unmount = dataset ? mountDataset(view, dataset[1]) : mountDatasets(view);
  } else {
    unmount = mountJobsList(view);
  }
  for (const link of document.querySelectorAll('[data-nav]')) {
    if (link.dataset.nav === nav) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  window.scrollTo(0, 0);
}

window.addEventListener('hashchange', route);
whenUnauthorized(() => loggedIn && showLogin());
sessionApi.get().then(
  (session) => {
    showSession(session);
    route();
  },
  () => showLogin(),
);
