// A job's page: live progress, loss and quality charts over SSE, samples with a slider, checkpoints, spec, cancel and delete.
import { ApiError, jobsApi, relative } from './api.js';
import { h, replace } from './dom.js';
import { fmtBytes, fmtDuration, fmtFullTime, fmtInt, fmtRate, fmtTime, isTerminal } from './format.js';
import { JobEvents } from './job-events.js';
import { LossChart } from './loss-chart.js';
import { LossSeries, windowFor } from './loss-series.js';
import { QualityChart } from './quality-chart.js';
import { GeneratePanel } from './generate-panel.js';
import { isConditional, metricMeta, metricsOf } from './metric-names.js';
import { SampleViewer } from './sample-viewer.js';
import { progressBar, statusBadge } from './widgets.js';

/** Uploaded datasets are named by a UUID; built-ins by a name. */
const UPLOAD_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const SPEC_LABELS = {
  model: 'Model',
  dataset: 'Dataset',
  iterations: 'Iterations',
  batchSize: 'Batch size',
  latentDim: 'Latent dimension',
  learningRate: 'Learning rate',
  beta1: 'Adam β₁',
  beta2: 'Adam β₂',
  sampleInterval: 'Sample interval',
  checkpointInterval: 'Checkpoint interval',
  seed: 'Seed',
  sampleGrid: 'Sample grid',
  keepCheckpoints: 'Keep checkpoints',
};

/** How often an ended job's page looks for scores while its scorer is still being trained. */
const QUALITY_POLL_MS = 5000;

export function mountJob(view, id) {
  const page = new JobPage(view, id);
  page.start();
  return () => page.stop();
}

class JobPage {
  constructor(view, id) {
    this.view = view;
    this.id = id;
    this.job = null;
    this.stopped = false;
    this.historyLoaded = false;
    this.bufferedPoints = [];
    this.events = null;
  }

  async start() {
    replace(this.view, h('p', { class: 'muted' }, 'Loading…'));
    try {
      this.job = await jobsApi.get(this.id);
    } catch (err) {
      return this.renderMissing(err);
    }
    if (this.stopped) return;
    this.build();
    // The stream replays the job's events from its start, so nothing falls between it and the history; live points
    // that arrive before the history is in are buffered, then merged by iteration.
    if (!isTerminal(this.job.status)) this.follow();
    await Promise.all([this.loadHistory(), this.loadSamples(), this.loadCheckpoints(), this.loadQuality()]);
  }

  stop() {
    this.stopped = true;
    this.events?.close();
    this.chart?.destroy();
    this.quality?.destroy();
    clearTimeout(this.qualityTimer);
  }

  renderMissing(err) {
    const text = err instanceof ApiError && err.status === 404 ? 'This job does not exist (or was deleted).' : `Could not load the job: ${err.message}`;
    replace(this.view, h('div', { class: 'card notice' }, h('p', {}, text), h('a', { href: '#/' }, '← All jobs')));
  }

  build() {
    this.head = h('div', { class: 'page-head' });
    this.meta = h('div', { class: 'meta' });
    this.alert = h('p', { class: 'alert', hidden: true, role: 'alert' });
    this.progress = h('div', { class: 'card progress-card' });
    this.chartBox = h('div', { class: 'chart', 'data-points': '0' });
    this.qualityBox = h('div', { class: 'quality' });
    this.samples = new SampleViewer();
    this.generatePanel = new GeneratePanel(this.id, isConditional(this.job.spec.model));
    this.checkpoints = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
    this.spec = h('div');
    replace(
      this.view,
      h('a', { class: 'back', href: '#/' }, '← All jobs'),
      this.head,
      this.meta,
      this.alert,
      this.progress,
      h(
        'div',
        { class: 'grid two-one' },
        h(
          'div',
          { class: 'stack' },
          h('section', { class: 'card' }, h('h2', {}, 'Losses'), this.chartBox),
          h('section', { class: 'card', id: 'quality' }, h('h2', {}, 'Sample quality'), this.qualityBox),
        ),
        h('section', { class: 'card' }, h('h2', {}, 'Samples'), this.samples.element),
      ),
      h('section', { class: 'card' }, h('h2', {}, 'Generate'), this.generatePanel.element),
      h(
        'div',
        { class: 'grid one-one' },
        h('section', { class: 'card' }, h('h2', {}, 'Checkpoints'), this.checkpoints),
        h('section', { class: 'card' }, h('h2', {}, 'Spec'), this.spec),
      ),
    );
    this.series = new LossSeries(windowFor(this.job.spec.iterations), metricsOf(this.job.spec.model));
    this.chart = new LossChart(this.chartBox, this.series);
    this.quality = new QualityChart(this.qualityBox);
    this.render();
  }

  render() {
    const job = this.job;
    const ended = isTerminal(job.status);
    document.title = `${job.name} · ganforge`;
    const cancel = h(
      'button',
      { class: 'button', disabled: ended || job.cancelRequested, onclick: () => this.cancel(), 'data-action': 'cancel' },
      job.cancelRequested && !ended ? 'Cancelling…' : 'Cancel',
    );
    const remove = h(
      'button',
      { class: 'button danger', disabled: !ended, title: ended ? null : 'Cancel the job first', onclick: () => this.remove(), 'data-action': 'delete' },
      'Delete',
    );
    // An ended job continues from its latest checkpoint; a completed one needs a new, larger total.
    const resume = ended
      ? h(
          'button',
          { class: 'button', onclick: () => this.resume(), 'data-action': 'resume' },
          job.status === 'completed' ? 'Train further' : 'Resume',
        )
      : null;
    replace(this.head, h('h1', {}, job.name, ' ', statusBadge(job.status)), h('div', { class: 'actions' }, resume, cancel, remove));

    const dataset = job.dataset
      ? `${job.dataset.name} · ${fmtInt(job.dataset.count)} images`
      : job.spec.dataset;
    replace(
      this.meta,
      metaItem('id', h('span', { class: 'mono' }, job.id)),
      metaItem(
        'dataset',
        // An upload (named by its id) links to its page; a built-in's name is plain text.
        UPLOAD_ID.test(job.spec.dataset)
          ? h('a', { href: `#/datasets/${job.spec.dataset}`, title: job.dataset?.source ?? '', 'data-dataset-link': '' }, dataset)
          : h('span', { title: job.dataset?.source ?? '' }, dataset),
      ),
      metaItem('backend', job.backend ?? '–'),
      metaItem('created', h('span', { title: fmtFullTime(job.createdAt) }, fmtTime(job.createdAt))),
      job.startedAt && metaItem('started', h('span', { title: fmtFullTime(job.startedAt) }, fmtTime(job.startedAt))),
      job.finishedAt && metaItem('finished', h('span', { title: fmtFullTime(job.finishedAt) }, fmtTime(job.finishedAt))),
    );

    this.renderProgress();
    if (job.error) this.showAlert(job.error);

    replace(
      this.spec,
      h(
        'dl',
        { class: 'spec' },
        Object.entries(job.spec)
          .filter(([key]) => key !== 'name')
          .map(([key, value]) => [h('dt', {}, SPEC_LABELS[key] ?? key), h('dd', { 'data-key': key }, formatSpecValue(key, value))]),
      ),
    );
  }

  renderProgress() {
    const { status, progress, latest, startedAt, finishedAt } = this.job;
    const running = status === 'running';
    const elapsed = startedAt ? ((finishedAt ? Date.parse(finishedAt) : Date.now()) - Date.parse(startedAt)) / 1000 : null;
    const waiting = status === 'queued' ? h('p', { class: 'muted' }, 'Waiting for a worker…') : null;
    replace(
      this.progress,
      progressBar(progress, status),
      waiting,
      h(
        'div',
        { class: 'stats' },
        stat('it/s', running ? fmtRate(progress.itPerSec) : '–'),
        stat('ETA', running ? fmtDuration(progress.etaSeconds) : '–'),
        stat(finishedAt ? 'took' : 'elapsed', fmtDuration(elapsed)),
        ...metricsOf(this.job.spec.model).map((name) => {
          const m = metricMeta(name);
          return stat(m.label, m.format(latest?.[name]), m.key);
        }),
      ),
    );
  }

  /** @param {'start'|'now'} from where the stream begins: 'now' after a resume, whose history is loaded already */
  follow(from = 'start') {
    // Replays come in bursts: redraws and reloads are coalesced.
    const renderProgress = coalesce(() => this.renderProgress(), 100);
    const loadCheckpoints = coalesce(() => this.loadCheckpoints(), 500);
    const url = jobsApi.eventsUrl(this.id) + (from === 'now' ? '?from=now' : '');
    this.events = new JobEvents(url, {
      progress: (p) => {
        this.job.progress = p;
        renderProgress();
      },
      metrics: ({ points }) => {
        if (!points.length) return;
        const last = points[points.length - 1];
        const latest = { ...last };
        delete latest.iteration;
        this.job.latest = latest;
        if (!this.historyLoaded) this.bufferedPoints.push(...points);
        else this.addPoints(points);
        renderProgress();
      },
      sample: (s) => this.samples.add(s),
      checkpoint: loadCheckpoints,
      quality: (p) => this.quality.add(p),
      status: () => this.refresh(),
      // The stream broke or ended: find out whether the job is over before letting EventSource reconnect.
      error: () => this.refresh(),
    });
  }

  async refresh() {
    try {
      this.job = await jobsApi.get(this.id);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return this.renderMissing(err);
      return;
    }
    if (this.stopped) return;
    if (isTerminal(this.job.status)) {
      this.events?.close();
      // The last metrics, samples, checkpoint and score may have been written after the last event we saw.
      await Promise.all([this.loadHistory(), this.loadSamples(), this.loadCheckpoints(), this.loadQuality()]);
    }
    this.render();
  }

  /** Past metrics, then the live points buffered meanwhile. Later calls (at the end of a job) only fill the gap. */
  async loadHistory() {
    try {
      if (this.series.length === 0) await this.loadWindows();
      let since = this.series.lastIteration;
      while (since !== null) {
        const page = await jobsApi.metrics(this.id, { since, limit: 1000 });
        this.series.addRaw(page.points);
        since = page.nextSince;
      }
    } catch (err) {
      this.showAlert(`Could not load the metrics: ${err.message}`);
    }
    this.historyLoaded = true;
    this.addPoints(this.bufferedPoints.splice(0));
  }

  /** The whole windows recorded so far, averaged by the API; the unfinished one is read point by point. */
  async loadWindows() {
    const every = this.series.every;
    if (every === 1) return;
    const whole = Math.floor(this.job.progress.iteration / every);
    for (let done = 0; done < whole; ) {
      const { points } = await jobsApi.metrics(this.id, { since: done * every, every, limit: Math.min(1000, whole - done) });
      if (!points.length) break;
      this.series.addWindows(points);
      done += points.length;
    }
  }

  addPoints(points) {
    if (this.stopped) return;
    this.series.addRaw(points);
    this.chart.update();
  }

  async loadSamples() {
    try {
      const { samples } = await jobsApi.samples(this.id);
      if (!this.stopped) this.samples.setAll(samples);
    } catch (err) {
      this.showAlert(`Could not load the samples: ${err.message}`);
    }
  }

  async loadQuality() {
    clearTimeout(this.qualityTimer);
    try {
      const quality = await jobsApi.quality(this.id);
      if (this.stopped) return;
      this.quality.setAll(quality);
      // The event stream ends with the job, but its checkpoints wait for a classifier still in training: look again.
      const waiting = ['pending', 'training'].includes(quality.scorer?.state);
      if (waiting && isTerminal(this.job.status)) this.qualityTimer = setTimeout(() => this.loadQuality(), QUALITY_POLL_MS);
    } catch (err) {
      this.showAlert(`Could not load the sample quality: ${err.message}`);
    }
  }

  async loadCheckpoints() {
    let checkpoints;
    try {
      ({ checkpoints } = await jobsApi.checkpoints(this.id));
    } catch (err) {
      return this.showAlert(`Could not load the checkpoints: ${err.message}`);
    }
    if (this.stopped) return;
    if (!checkpoints.length) return replace(this.checkpoints, h('p', { class: 'muted' }, 'No checkpoint yet.'));
    const rows = [...checkpoints]
      .sort((a, b) => b.iteration - a.iteration)
      .map((c) =>
        h(
          'tr',
          {},
          h('td', { class: 'num' }, fmtInt(c.iteration)),
          h('td', { class: 'num' }, fmtBytes(c.size)),
          h('td', { class: 'time', title: fmtFullTime(c.createdAt) }, fmtTime(c.createdAt)),
          h(
            'td',
            {},
            // No file name here: the API's Content-Disposition names it after the job.
            h('a', { href: relative(c.archive), download: true, title: 'The whole checkpoint as a tar of a training run directory' }, 'download'),
          ),
          h(
            'td',
            { class: 'downloads' },
            h('a', { href: relative(c.url), download: `generator-${c.iteration}.json` }, 'model.json'),
            h('a', { href: relative(c.url.replace('/model.json', '/weights.bin')), download: `generator-${c.iteration}.bin` }, 'weights.bin'),
          ),
        ),
      );
    replace(
      this.checkpoints,
      h(
        'table',
        { class: 'checkpoints' },
        h('thead', {}, h('tr', {}, h('th', { class: 'num' }, 'Iteration'), h('th', { class: 'num' }, 'Size'), h('th', {}, 'Saved'), h('th', {}, 'Checkpoint'), h('th', {}, 'Generator'))),
        h('tbody', {}, rows),
      ),
      h(
        'p',
        { class: 'muted small' },
        'Each model.json loads with tf.loadLayersModel(url); the latest one is always at ',
        h('a', { href: relative(this.job.links.generator), class: 'mono' }, 'generator/model.json'),
        '. A downloaded checkpoint is a run directory of the command-line trainer: its job.json has the ',
        h('span', { class: 'mono' }, 'npm run train -- --resume'),
        ' command that continues the job.',
      ),
    );
  }

  async cancel() {
    if (!confirm(`Cancel “${this.job.name}”? Training stops after the current iteration.`)) return;
    try {
      this.job = await jobsApi.cancel(this.id);
      this.render();
    } catch (err) {
      this.showAlert(`Could not cancel: ${err.message}`);
    }
    await this.refresh();
  }

  async resume() {
    const job = this.job;
    let body = {};
    if (job.status === 'completed') {
      const done = job.progress.iteration;
      const answer = prompt(`Train “${job.name}” further: new total of iterations (it has done ${done})`, String(done * 2));
      if (answer === null) return;
      const iterations = Number(answer.trim());
      if (!Number.isInteger(iterations) || iterations <= done) {
        return this.showAlert(`Not resumed: the new total must be a whole number above ${done}`);
      }
      body = { iterations };
    } else if (!confirm(`Resume “${job.name}” from its latest checkpoint?`)) return;
    this.alert.hidden = true;
    try {
      this.job = await jobsApi.resume(this.id, body);
    } catch (err) {
      return this.showAlert(`Could not resume: ${err.message}`);
    }
    this.render();
    this.events?.close();
    this.follow('now');
  }

  async remove() {
    if (!confirm(`Delete “${this.job.name}” with its metrics, samples and checkpoints?`)) return;
    try {
      await jobsApi.remove(this.id);
      location.hash = '#/';
    } catch (err) {
      this.showAlert(`Could not delete: ${err.message}`);
    }
  }

  showAlert(text) {
    this.alert.hidden = false;
    this.alert.textContent = text;
  }
}

/** Runs `fn` at most once per `ms`, trailing: the last call in a burst is never lost. */
function coalesce(fn, ms) {
  let timer = null;
  return () => {
    if (timer === null) timer = setTimeout(() => ((timer = null), fn()), ms);
  };
}

function metaItem(label, value) {
  return h('span', { class: 'meta-item' }, h('span', { class: 'muted' }, label), ' ', value);
}

function stat(label, value, key) {
  return h('div', { class: 'stat' }, h('div', { class: 'stat-label' }, key && h('i', { class: `key ${key}` }), label), h('div', { class: 'stat-value' }, value));
}

/** Counts of iterations get thousands separators; a seed is an identifier and keeps its digits as they are. */
function formatSpecValue(key, value) {
  return ['iterations', 'sampleInterval', 'checkpointInterval'].includes(key) ? fmtInt(value) : String(value);
}
