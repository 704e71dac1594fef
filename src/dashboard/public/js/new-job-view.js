// The new-job form: fields, defaults and limits from the API's own job spec schema; API errors shown by their field.
import { ApiError, datasetsApi, jobsApi } from './api.js';
import { h, replace } from './dom.js';
import { fmtInt } from './format.js';
import { datasetLabel, fmtShape, labelsText } from './dataset-widgets.js';

/** The form's layout; what each field accepts comes from the schema the page was served with. */
const GROUPS = [
  { legend: 'Job', fields: { name: 'Name', dataset: 'Dataset', model: 'Model' } },
  { legend: 'Training', fields: { iterations: 'Iterations', batchSize: 'Batch size', latentDim: 'Latent dimension', seed: 'Seed' } },
  {
    legend: 'Model options',
    fields: {
      learningRate: 'Learning rate',
      beta1: 'Adam β₁',
      beta2: 'Adam β₂',
      nCritic: 'Critic steps per G step',
      clipValue: 'Weight clip',
      gpWeight: 'Gradient penalty weight',
    },
  },
  {
    legend: 'Outputs',
    fields: {
      sampleInterval: 'Sample every (iterations)',
      checkpointInterval: 'Checkpoint every (iterations)',
      keepCheckpoints: 'Keep newest checkpoints',
      sampleGrid: 'Sample grid (n × n)',
    },
  },
];

/** Per model: name, description, whether it is conditional, its metrics and its fields (JSON Schema). */
const { models } = JSON.parse(document.getElementById('job-spec-schema').textContent);
const modelOf = (name) => models.find((m) => m.name === name) ?? models[0];

/** What an empty number field without a default means: the API picks a seed; every checkpoint is kept. */
const EMPTY = { seed: 'random', keepCheckpoints: 'all' };

/** `dataset`: a dataset id or built-in name to choose at first (from #/new?dataset=ID). */
export function mountNewJob(view, { dataset: wanted = null } = {}) {
  let schema = models[0];
  let inputs = {};
  let errors = {};
  // The built-ins the schema names until GET /datasets answers; then they and the project's ready uploads.
  let datasets = (schema.properties.dataset.anyOf?.find((p) => p.enum)?.enum ?? ['mnist']).map((id) => ({ id, name: id, builtin: true }));
  let stopped = false;
  const formError = h('p', { class: 'alert', hidden: true, role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'button primary' }, 'Start training');
  const about = h('p', { class: 'hint model-about' });
  const fieldsetsHolder = h('div', { class: 'fieldsets' });

  /** The fields of the chosen model; the common fields keep what was typed, the model's own start at its defaults. */
  function render(name, kept = {}) {
    schema = modelOf(name);
    inputs = {};
    errors = {};
    replace(fieldsetsHolder, ...fieldsets());
    for (const [key, el] of Object.entries(inputs)) el.value = kept[key] ?? schema.properties[key].default ?? '';
    inputs.model.value = schema.name;
    datasetChosen();
    inputs.model.addEventListener('change', () => {
      const values = Object.fromEntries(Object.entries(inputs).map(([k, el]) => [k, el.value]));
      for (const key of Object.keys(GROUPS[2].fields)) delete values[key];
      render(inputs.model.value, values);
      inputs.model.focus();
    });
    about.textContent = schema.description;
  }

  const fieldsets = () => GROUPS.map(({ legend, fields }) =>
    h(
      'fieldset',
      {},
      h('legend', {}, legend),
      Object.entries(fields)
        .filter(([key]) => schema.properties[key])
        .map(([key, label]) => {
          const prop = key === 'model' ? { enum: models.map((m) => m.name) } : schema.properties[key];
          inputs[key] = key === 'dataset' ? datasetSelect() : input(key, prop);
          errors[key] = h('p', { class: 'field-error', id: `error-${key}`, 'aria-live': 'polite' });
          inputs[key].setAttribute('aria-describedby', `hint-${key} error-${key}`);
          return h(
            'div',
            { class: 'field', 'data-field': key },
            h('label', { for: `field-${key}` }, label),
            inputs[key],
            h('p', { class: 'hint', id: `hint-${key}` }, key === 'dataset' ? null : hint(key, prop)),
            errors[key],
          );
        }),
    ),
  );

  const form = h(
    'form',
    { class: 'card job-form', novalidate: true, onsubmit: (e) => (e.preventDefault(), send()) },
    about,
    fieldsetsHolder,
    formError,
    h(
      'div',
      { class: 'form-actions' },
      submit,
      h('button', { type: 'button', class: 'button', onclick: () => (reset(), clearErrors()) }, 'Reset to defaults'),
    ),
  );
  replace(view, h('div', { class: 'page-head' }, h('h1', {}, 'New job')), form);
  render(models[0].name, wanted ? { dataset: wanted } : {});
  inputs.name?.focus();
  loadDatasets();

  function reset() {
    wanted = null;
    render(models[0].name);
  }

  /** The dataset menu: built-ins, then uploads that are ready, each with its shape and whether it has classes. */
  function datasetSelect() {
    const select = h('select', { id: 'field-dataset', name: 'dataset' }, datasetOptions());
    select.addEventListener('change', () => ((wanted = select.value), datasetChosen()));
    return select;
  }

  function datasetOptions() {
    return datasets.map((d) => h('option', { value: d.id }, d.shape ? datasetLabel(d) : d.name));
  }

  /** Under the menu: what the chosen dataset is, and where more come from. */
  function datasetChosen() {
    const d = datasets.find((x) => x.id === inputs.dataset?.value);
    const hintEl = fieldsetsHolder.querySelector('#hint-dataset');
    if (!hintEl) return;
    replace(
      hintEl,
      d?.shape ? `${fmtShape(d.shape)} · ${labelsText(d)}${d.builtin ? ' · built-in' : ''} · ` : null,
      h('a', { href: '#/datasets' }, 'upload your own'),
    );
  }

  async function loadDatasets() {
    try {
      const list = (await datasetsApi.list()).datasets.filter((d) => d.builtin || d.status === 'ready');
      if (stopped || !inputs.dataset) return;
      datasets = list;
      const value = wanted ?? inputs.dataset.value;
      replace(inputs.dataset, datasetOptions());
      inputs.dataset.value = datasets.some((d) => d.id === value) ? value : datasets[0]?.id;
      datasetChosen();
    } catch {
      // The built-ins stay on offer; the API names anything else wrong when the job is sent.
    }
  }

  function clearErrors() {
    formError.hidden = true;
    for (const [key, el] of Object.entries(errors)) {
      el.textContent = '';
      inputs[key].removeAttribute('aria-invalid');
    }
  }

  function showError(key, message) {
    if (!errors[key]) return false;
    errors[key].textContent = message;
    inputs[key].setAttribute('aria-invalid', 'true');
    return true;
  }

  async function send() {
    clearErrors();
    const spec = {};
    let bad = false;
    for (const [key, el] of Object.entries(inputs)) {
      if (key === 'model' && el.value === models[0].name) continue; // the default model: as before there were several
      if (el.validity?.badInput) bad = showError(key, 'must be a number') || bad;
      else if (el.value.trim() !== '') spec[key] = el.type === 'number' ? Number(el.value) : el.value.trim();
    }
    if (bad) return;
    submit.disabled = true;
    try {
      const job = await jobsApi.create(spec);
      location.hash = `#/jobs/${job.id}`;
    } catch (err) {
      submit.disabled = false;
      const unplaced = (err instanceof ApiError ? err.errors : [])
        .map((e) => ({ key: fieldOf(e), message: messageOf(e) }))
        .filter(({ key, message }) => !showError(key, message));
      if (unplaced.length || !(err instanceof ApiError) || err.errors.length === 0) {
        formError.hidden = false;
        formError.textContent = [err.title || 'Error', err.detail, ...unplaced.map((u) => u.message)].filter(Boolean).join(': ');
      }
      document.querySelector('[aria-invalid="true"]')?.focus();
    }
  }

  return () => {
    stopped = true;
  };
}

function input(key, prop) {
  const id = `field-${key}`;
  const choices = prop.enum ?? prop.anyOf?.find((p) => p.enum)?.enum;
  if (choices) return h('select', { id, name: key, disabled: choices.length === 1 }, choices.map((v) => h('option', { value: v }, v)));
  if (prop.type === 'string') return h('input', { id, name: key, type: 'text', maxlength: prop.maxLength, placeholder: 'optional', autocomplete: 'off' });
  return h('input', {
    id,
    name: key,
    // A number without a default is left to the API when empty (a random seed; every checkpoint kept).
    placeholder: prop.default === undefined ? (EMPTY[key] ?? 'optional') : null,
    type: 'number',
    inputmode: prop.type === 'integer' ? 'numeric' : 'decimal',
    step: prop.type === 'integer' ? 1 : 'any',
    min: prop.minimum ?? prop.exclusiveMinimum,
    max: prop.maximum ?? prop.exclusiveMaximum,
  });
}

/** "default 128 · 1 – 1,024", "default 0.0002 · > 0 and ≤ 1". */
function hint(key, prop) {
  const parts = [];
  if (prop.default !== undefined) parts.push(`default ${typeof prop.default === 'number' ? num(prop.default) : prop.default}`);
  else if (prop.type !== 'string') parts.push(`empty: ${EMPTY[key] ?? 'unset'}`);
  if (prop.type === 'string' && prop.maxLength) parts.push(`up to ${prop.maxLength} characters`);
  const { minimum: min, maximum: max, exclusiveMinimum: xmin, exclusiveMaximum: xmax } = prop;
  if (min !== undefined && max !== undefined) parts.push(`${num(min)} – ${num(max)}`);
  else {
    const bounds = [min !== undefined ? `≥ ${num(min)}` : xmin !== undefined ? `> ${num(xmin)}` : null, max !== undefined ? `≤ ${num(max)}` : xmax !== undefined ? `< ${num(xmax)}` : null];
    if (bounds.some(Boolean)) parts.push(bounds.filter(Boolean).join(' and '));
  }
  return parts.join(' · ');
}

const num = (n) => (Number.isInteger(n) ? fmtInt(n) : String(n));

/** The spec field a problem+json `errors` entry is about, whichever way the entry names it. */
function fieldOf(e) {
  if (!e || typeof e !== 'object') return undefined;
  const raw = e.field ?? e.path ?? e.pointer ?? e.instancePath ?? e.name;
  const segments = Array.isArray(raw) ? raw.map(String) : String(raw ?? '').split(/[/.#]/);
  return segments.filter((s) => s && s !== 'body').pop();
}

function messageOf(e) {
  if (typeof e === 'string') return e;
  return e?.message ?? e?.detail ?? JSON.stringify(e);
}
