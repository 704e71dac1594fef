// The dashboard's entry point: a hash router that mounts one view at a time (#/, #/new, #/jobs/ID).
import { mountJob } from './job-view.js';
import { mountJobsList } from './jobs-view.js';
import { mountNewJob } from './new-job-view.js';

const view = document.getElementById('view');
let unmount = () => undefined;

function route() {
  unmount();
  const hash = location.hash.replace(/^#\/?/, '');
  const job = /^jobs\/([\w-]+)$/.exec(hash);
  let nav = 'jobs';
  document.title = 'ganforge';
  if (job) {
    unmount = mountJob(view, job[1]);
  } else if (hash === 'new') {
    nav = 'new';
    unmount = mountNewJob(view);
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
route();
