// Per model, from the page's model list: its metric names (how the dashboard labels, colours and formats each) and whether it is conditional.
import { fmtLoss, fmtPercent } from './format.js';

const { models } = JSON.parse(document.getElementById('job-spec-schema').textContent);

/** The metric names of a job's model, in the API's order. */
export function metricsOf(model) {
  return (models.find((m) => m.name === model) ?? models[0]).metrics;
}

const KNOWN = {
  dLoss: { label: 'D loss', key: 'd', color: '#2563eb' },
  gLoss: { label: 'G loss', key: 'g', color: '#ea580c' },
  dAcc: { label: 'D accuracy', key: 'a', color: '#16a34a', accuracy: true },
  gp: { label: 'gradient penalty', key: 'p', color: '#9333ea' },
};

/** Label, legend key class, colour, whether it is an accuracy (0..1, its own axis) and its formatter. */
export function metricMeta(name) {
  const m = KNOWN[name] ?? { label: name, key: '', color: '#64748b', accuracy: /Acc$/.test(name) };
  return { ...m, format: m.accuracy ? fmtPercent : fmtLoss };
}

/** Whether a job's model draws a chosen class (its generator takes a label). */
export function isConditional(model) {
  return (models.find((m) => m.name === model) ?? models[0]).conditional;
}
