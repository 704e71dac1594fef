// The compare view (#/compare?ids=a,b,c): 2 to 8 jobs' loss curves (bucket means with the raw min-max band), their
// quality curves, their specs side by side with the differing fields marked, and their latest sample grids.
import uPlot from '../vendor/uplot/uPlot.esm.js';
import { ApiError, jobsApi, relative } from './api.js';
import { h, replace } from './dom.js';
import { fmtDuration, fmtInt } from './format.js';
import { bucketWidth, bucketed } from './compare-series.js';
import { metricMeta } from './metric-names.js';
import { fmtFd } from './quality-text.js';
import { statusBadge } from './widgets.js';

export const MAX_COMPARED = 8;
/** One colour per job, in the order of the URL; distinct from each other at a glance. */
const COLORS = ['#2563eb', '#ea580c', '#16a34a', '#9333ea', '#db2777', '#0891b2', '#ca8a04', '#475569'];
const HEIGHT = 260;

/** The ids of a `compare?ids=a,b` route, or null when the hash is not one. */
export function compareIds(hash) {
  const m = /^compare\?(.*)$/.exec(hash);
  if (!m) return null;
  return (new URLSearchParams(m[1]).get('ids') ?? '').split(',').filter(Boolean);
}

export function mountCompare(view, ids) {
  const page = new ComparePage(view, ids);
  page.start();
  return () => page.stop();
}

/**
 * uPlot data for one metric over several jobs: [x, then per job mean, min, max]. A job without the metric (another
 * model) gets null columns, so series indexes stay per job.
 */
function alignedLosses(jobsPoints, name, width) {
  return uPlot.join(
    jobsPoints.map((points) => {
      const b = bucketed(points, name, width);
      return [b.x, b.mean, b.min, b.max];
    }),
  );
}

/** uPlot data for one quality figure (`fd` or `is`) over several jobs: [x, then one column per job]. */
function alignedQuality(jobsPoints, key) {
  return uPlot.join(jobsPoints.map((points) => [points.map((p) => p.iteration), points.map((p) => p[key])]));
}

class ComparePage {
  constructor(view, ids) {
    this.view = view;
    this.ids = ids;
    this.plots = [];
    this.stopped = false;
  }

  async start() {
    document.title = 'Compare · ganforge';
    if (this.ids.length < 2 || this.ids.length > MAX_COMPARED) {
      return this.fail(`Pick 2 to ${MAX_COMPARED} jobs to compare (this link names ${this.ids.length}).`);
    }
    replace(this.view, h('p', { class: 'muted' }, 'Loading…'));
    let jobs;
    try {
      ({ jobs } = await jobsApi.byIds(this.ids));
    } catch (err) {
      return this.fail(err instanceof ApiError && err.status === 404 ? `${err.message}: it may have been deleted.` : `Could not load the jobs: ${err.message}`);
    }
    if (this.stopped) return;
    this.jobs = jobs.map((job, i) => ({ job, color: COLORS[i] }));
    this.build();
    const loaded = await Promise.all(this.jobs.map((j) => this.load(j.job))).catch((err) => this.fail(`Could not load the runs: ${err.message}`));
    if (!loaded || this.stopped) return;
    this.jobs.forEach((j, i) => Object.assign(j, loaded[i]));
    this.renderLosses();
    this.renderQuality();
    this.renderGrids();
  }

  stop() {
    this.stopped = true;
    for (const p of this.plots) p.destroy();
    this.resizer?.disconnect();
  }

  fail(text) {
    replace(this.view, h('div', { class: 'card notice' }, h('p', {}, text), h('a', { href: '#/' }, '← All jobs')));
  }

  /** A job's raw metrics (every iteration, paged), its quality points and its newest sample. */
  async load(job) {
    const points = [];
    let names = [];
    for (let since = 0; since !== null; ) {
      const page = await jobsApi.metrics(job.id, { since, limit: 10000 });
      names = page.names;
      points.push(...page.points);
      since = page.nextSince;
    }
    const [quality, { samples }] = await Promise.all([jobsApi.quality(job.id), jobsApi.samples(job.id)]);
    const latestSample = samples.reduce((a, s) => (!a || s.iteration > a.iteration ? s : a), null);
    return { names, points, quality, latestSample };
  }

  build() {
    this.losses = h('div', { class: 'compare-charts' }, h('p', { class: 'muted' }, 'Loading the metrics…'));
    this.quality = h('div', { class: 'compare-charts' });
    this.grids = h('div', { class: 'compare-grids' });
    replace(
      this.view,
      h('a', { class: 'back', href: '#/' }, '← All jobs'),
      h('div', { class: 'page-head' }, h('h1', {}, `Compare ${this.jobs.length} runs`)),
      this.legend(),
      h('section', { class: 'card compare-section' }, h('h2', {}, 'Losses'), h('p', { class: 'muted small' }, 'Lines: the mean of each bucket of iterations; bands: the raw minimum to maximum in it.'), this.losses),
      h('section', { class: 'card compare-section' }, h('h2', {}, 'Sample quality'), this.quality),
      h('section', { class: 'card compare-section' }, h('h2', {}, 'Spec'), this.specTable()),
      h('section', { class: 'card compare-section' }, h('h2', {}, 'Latest samples'), this.grids),
    );
    this.resizer = new ResizeObserver(() => {
      for (const p of this.plots) p.setSize({ width: p.root.parentElement.clientWidth, height: HEIGHT });
    });
    this.resizer.observe(this.losses);
  }

  legend() {
    return h(
      'ul',
      { class: 'compare-legend', 'aria-label': 'Jobs' },
      this.jobs.map(({ job, color }) =>
        h(
          'li',
          { 'data-job-id': job.id },
          h('i', { class: 'swatch', style: `background: ${color}` }),
          h('a', { href: `#/jobs/${job.id}` }, job.name),
          ' ',
          statusBadge(job.status),
          h('span', { class: 'muted small' }, ` ${job.spec.model} · ${fmtInt(job.progress.iteration)} it`),
        ),
      ),
    );
  }

  renderLosses() {
    const names = [...new Set(this.jobs.flatMap((j) => j.names))];
    const width = bucketWidth(Math.max(1, ...this.jobs.map((j) => j.points.at(-1)?.iteration ?? 0)));
    const charts = names.map((name) => {
      const meta = metricMeta(name);
      const data = alignedLosses(this.jobs.map((j) => j.points), name, width);
      const series = [{ label: 'iteration' }];
      const bands = [];
      this.jobs.forEach(({ job, color }, i) => {
        const base = 1 + i * 3;
        series.push(
          { label: job.name, stroke: color, width: 1.5, spanGaps: true, value: (_u, v) => meta.format(v) },
          { label: `${job.name} min`, stroke: 'transparent', spanGaps: true, points: { show: false } },
          { label: `${job.name} max`, stroke: 'transparent', spanGaps: true, points: { show: false } },
        );
        bands.push({ series: [base + 2, base + 1], fill: `${color}26` });
      });
      return this.chart(meta.label, name, data, series, bands, meta.accuracy ? { range: [0, 1] } : { auto: true });
    });
    replace(this.losses, charts.length ? charts : h('p', { class: 'muted' }, 'No metrics yet.'));
  }

  renderQuality() {
    const scored = this.jobs.filter((j) => j.quality.points.length > 0);
    const states = this.jobs.map(({ job, quality, color }) => {
      const best = quality.points.reduce((b, p) => (!b || p.fd < b.fd ? p : b), null);
      const last = quality.points.at(-1);
      return h(
        'li',
        {},
        h('i', { class: 'swatch', style: `background: ${color}` }),
        `${job.name}: `,
        best ? `best FD ${fmtFd(best.fd)} at ${fmtInt(best.iteration)}, final IS ${fmtFd(last.is)}` : h('span', { class: 'muted' }, 'not scored yet'),
      );
    });
    const points = this.jobs.map((j) => j.quality.points);
    const perJob = (fmt) =>
      this.jobs.map(({ job, color }) => ({ label: job.name, stroke: color, width: 2, spanGaps: true, points: { show: true, size: 5 }, value: (_u, v) => fmt(v) }));
    replace(
      this.quality,
      h('ul', { class: 'quality-summary' }, states),
      scored.length
        ? [
            this.chart('FD (lower is better)', 'fd', alignedQuality(points, 'fd'), [{ label: 'iteration' }, ...perJob(fmtFd)], [], { auto: true }),
            this.chart('IS (higher is better)', 'is', alignedQuality(points, 'is'), [{ label: 'iteration' }, ...perJob(fmtFd)], [], { auto: true }),
          ]
        : null,
    );
  }

  /** One uPlot chart with a title; its legend is the page's (one colour per job), so uPlot's own is off. */
  chart(title, key, data, series, bands, yScale) {
    const box = h('div', { class: 'chart compare-chart', 'data-metric': key, 'data-points': String(data[0].length) });
    const axis = { stroke: '#64748b', grid: { stroke: '#e2e8f0', width: 1 }, ticks: { stroke: '#cbd5e1', width: 1 } };
    const figure = h('figure', { class: 'compare-figure' }, h('figcaption', {}, title), box);
    const plot = new uPlot(
      {
        width: this.losses.clientWidth || 800,
        height: HEIGHT,
        legend: { show: false },
        scales: { x: { time: false }, y: yScale },
        series,
        bands,
        axes: [{ ...axis, values: (_u, ticks) => ticks.map(fmtInt) }, { ...axis, size: 56 }],
        cursor: { drag: { x: true, y: false } },
      },
      data,
      box,
    );
    this.plots.push(plot);
    return figure;
  }

  specTable() {
    const keys = [...new Set(this.jobs.flatMap(({ job }) => Object.keys(job.spec)))].filter((k) => k !== 'name');
    const shown = (v) => (v === undefined ? '–' : String(v));
    const rows = keys.map((key) => {
      const values = this.jobs.map(({ job }) => shown(job.spec[key]));
      const differs = new Set(values).size > 1;
      return h(
        'tr',
        { 'data-key': key, class: differs ? 'differs' : null },
        h('th', { scope: 'row' }, key),
        values.map((v) => h('td', { class: 'mono' }, v)),
      );
    });
    const took = ({ job }) =>
      job.startedAt ? fmtDuration(((job.finishedAt ? Date.parse(job.finishedAt) : Date.now()) - Date.parse(job.startedAt)) / 1000) : '–';
    return h(
      'div',
      { class: 'table-scroll' },
      h(
        'table',
        { class: 'compare-spec' },
        h('thead', {}, h('tr', {}, h('th', {}, 'field'), this.jobs.map(({ job, color }) => h('th', {}, h('i', { class: 'swatch', style: `background: ${color}` }), job.name)))),
        h('tbody', {}, rows, h('tr', { class: 'derived' }, h('th', { scope: 'row' }, 'took'), this.jobs.map((j) => h('td', { class: 'mono' }, took(j))))),
      ),
      h('p', { class: 'muted small' }, 'Highlighted rows differ between the runs.'),
    );
  }

  renderGrids() {
    replace(
      this.grids,
      this.jobs.map(({ job, color, latestSample }) =>
        h(
          'figure',
          { class: 'compare-grid', 'data-job-id': job.id },
          latestSample
            ? h('img', { src: relative(latestSample.url), alt: `${job.name} at iteration ${latestSample.iteration}` })
            : h('div', { class: 'sample-placeholder' }, 'No sample yet'),
          h(
            'figcaption',
            {},
            h('i', { class: 'swatch', style: `background: ${color}` }),
            job.name,
            latestSample ? h('span', { class: 'muted' }, ` · ${fmtInt(latestSample.iteration)}`) : null,
          ),
        ),
      ),
    );
  }
}
