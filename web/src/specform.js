// The parts of a backtest spec that the new-run and new-comparison forms share: the strategy
// and its typed parameters (from /v1/strategies, with defaults and ranges), the dataset (picker
// from /v1/datasets, or a CSV or LEAN zip uploaded through POST /v1/datasets), the period
// (start and end, optional), cash, costs and fill flags;
// the engine choices (from /v1/engines, disabled engines listed but not choosable); checks in
// the page before submitting, and a server problem shown at the field it names
// (`strategy.params.fast`, `dataset`, ...).
import { api } from './api.js';
import { session } from './app.js';
import { h, problemBox, randomId } from './util.js';

const COSTS = [
  ['cash', 'Cash', 10000, 'starting cash', 1e-9, null],
  ['commission', 'Commission', 0, 'fraction of traded value (0.001 = 0.1 %)', 0, 1],
  ['commission_fixed', 'Fixed commission', 0, 'cash per order', 0, null],
  ['spread', 'Spread', 0, 'fraction of price', 0, 1],
  ['margin', 'Margin', 1, 'margin ratio (0.02 = 50:1)', 1e-9, 1],
];
const FLAGS = [['trade_on_close', 'Trade on close'], ['exclusive_orders', 'Exclusive orders'], ['hedging', 'Hedging'], ['finalize_trades', 'Finalize trades']];
// The period: ISO-8601 text, checked by the server (a problem names the field).
const WINDOW = [
  ['start', 'Start', 'first bar time, e.g. 2015-01-01 or 2015-01-01T09:30:00Z; empty: the first bar'],
  ['end', 'End', 'last bar time, inclusive (a date: its whole day); empty: the last bar'],
];
const TIME_TEXT = /^\d{4}-?\d{2}-?\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+]00:?00)?)?$/;

// Spec members whose values are text (times), not numbers or booleans.
export const TEXT_SETTINGS = new Set(WINDOW.map(([name]) => name));
// The spec members besides strategy and dataset (a comparison's variants may override them).
export const SPEC_SETTINGS = new Set([...COSTS.map(([name]) => name), ...FLAGS.map(([name]) => name), ...TEXT_SETTINGS]);

export function field(name, label, input, hint) {
  return h('div', { class: 'field', 'data-field': name },
    h('label', { for: input.id }, label), input,
    hint ? h('div', { class: 'hint', id: `${input.id}-hint` }, hint) : null,
    h('div', { class: 'error', id: `${input.id}-error`, 'aria-live': 'polite' }));
}

// What the forms are built from: {strategies, engines, datasets}.
export async function loadSpecChoices() {
  const [strategies, engines, datasets] = await Promise.all([api('/v1/strategies'), api('/v1/engines'), api('/v1/datasets')]);
  return { strategies: strategies.items || strategies, engines, datasets: datasets.items || [] };
}

// "native (healthy)"; a disabled engine says how to enable it (its hint) and cannot be chosen.
export function engineLabel(e) {
  return `${e.name} (${e.state}${e.state === 'disabled' && e.hint ? `: ${e.hint}` : ''})`;
}
export const choosable = (e) => e.state !== 'disabled';

// The engine a new run starts on: the server's default (config.json `default_engine`) when it
// is listed and not disabled, else the first healthy engine, else `auto`.
export function defaultEngine(engines) {
  const named = session.defaultEngine;
  if (named === 'auto') return 'auto';
  if (named && engines.some((e) => e.name === named && choosable(e))) return named;
  return engines.find((e) => e.state === 'healthy')?.name ?? 'auto';
}

// The dataset picker, the upload and the period (start, end). Returns {el, read(errors, out)}:
// read puts `dataset` (and `start`/`end` when given) into `out`, returns false after marking
// what is wrong.
export function dataFields(datasets) {
  const datasetSel = h('select', { id: 'f-dataset', name: 'dataset' }, h('option', { value: '' }, '— choose a dataset —'),
    datasets.map((d) => h('option', { value: d.id }, `${d.name} (${d.bars} bars, ${d.start?.slice(0, 10)} – ${d.end?.slice(0, 10)})`)));
  const fileInput = h('input', { id: 'f-upload', name: 'upload', type: 'file', accept: '.csv,text/csv,.zip,application/zip' });
  const uploadBtn = h('button', { type: 'button', class: 'secondary', id: 'upload' }, 'Upload');
  const uploadStatus = h('div', { 'aria-live': 'polite' });
  const windowInputs = WINDOW.map(([name, label, hint]) => {
    const input = h('input', { id: `f-${name}`, name, type: 'text', placeholder: name === 'start' ? '2015-01-01' : '2015-12-31', 'aria-describedby': `f-${name}-hint f-${name}-error` });
    return { name, input, el: field(name, label, input, hint) };
  });

  uploadBtn.addEventListener('click', async () => {
    const file = fileInput.files[0];
    if (!file) { uploadStatus.replaceChildren(h('p', { class: 'error-text' }, 'Choose a CSV or zip file first.')); return; }
    uploadStatus.replaceChildren(h('p', {}, `Uploading ${file.name}…`));
    try {
      const zip = /\.zip$/i.test(file.name);
      const name = file.name.replace(/\.(csv|zip)$/i, '').replace(/[^A-Za-z0-9._-]/g, '_');
      const ds = await api(`/v1/datasets?name=${encodeURIComponent(name)}`, { method: 'POST', body: file, headers: { 'Content-Type': zip ? 'application/zip' : 'text/csv' } });
      datasetSel.append(h('option', { value: ds.id }, `${ds.name} (${ds.bars} bars, uploaded)`));
      datasetSel.value = ds.id;
      uploadStatus.replaceChildren(h('p', { class: 'notice', id: 'upload-done' }, `Uploaded ${ds.name}: ${ds.id}, ${ds.bars} bars.`));
    } catch (e) { uploadStatus.replaceChildren(problemBox(e)); }
  });

  function read(errors, out) {
    let ok = true;
    out.dataset = datasetSel.value;
    if (!datasetSel.value) { errors.show('dataset', 'choose a dataset or upload a CSV'); ok = false; }
    for (const w of windowInputs) {
      const text = w.input.value.trim();
      if (!text) continue;
      if (!TIME_TEXT.test(text)) { errors.show(w.name, 'enter a date (2015-01-01) or a date-time (2015-01-01T09:30:00Z)'); ok = false; } else out[w.name] = text;
    }
    return ok;
  }

  return {
    el: h('section', { class: 'card' }, h('h2', {}, 'Data'), field('dataset', 'Dataset', datasetSel),
      h('div', { class: 'field' }, h('label', { for: 'f-upload' }, 'Or upload a CSV (time, open, high, low, close[, volume]) or a LEAN daily or minute zip'), fileInput, ' ', uploadBtn, uploadStatus),
      h('h2', {}, 'Period'), h('div', { class: 'grid' }, windowInputs.map((w) => w.el))),
    read,
  };
}

// Cash, costs and the fill flags. Returns {el, read(errors, out)}: read puts each setting into
// `out`, returns false after marking what is wrong.
export function settingsFields() {
  const costInputs = COSTS.map(([name, label, def, hint, min, max]) => {
    const input = h('input', { id: `f-${name}`, name, type: 'number', step: 'any', value: String(def), required: true, min: min ?? null, max: max ?? null, 'aria-describedby': `f-${name}-hint f-${name}-error` });
    return { name, input, min, max, el: field(name, label, input, hint) };
  });
  const flagInputs = FLAGS.map(([name, label]) => ({ name, input: h('input', { id: `f-${name}`, type: 'checkbox', name }), label }));
  function read(errors, out) {
    let ok = true;
    for (const c of costInputs) {
      const v = errors.number(c.name, c.input, 'float', c.min, c.max);
      if (v === null) ok = false; else out[c.name] = v;
    }
    for (const f of flagInputs) out[f.name] = f.input.checked;
    return ok;
  }
  return {
    el: h('section', { class: 'card' }, h('h2', {}, 'Cash and costs'), h('div', { class: 'grid' }, costInputs.map((c) => c.el)),
      h('div', { class: 'grid' }, flagInputs.map((f) => h('label', { class: 'check', for: f.input.id }, f.input, f.label)))),
    read,
  };
}

// The strategy, dataset and settings fields. Returns {strategy, data, settings} (elements to
// place), read(errors) -> the spec without its engine, or null after marking the fields that
// are wrong, and paramNames() -> the chosen strategy's parameter names.
export function specFields({ strategies, datasets }) {
  const strategySel = h('select', { id: 'f-strategy', name: 'strategy' }, strategies.map((s) => h('option', { value: s.name }, s.name)));
  const strategyDesc = h('p', { class: 'hint' });
  const paramsBox = h('div', { class: 'grid', id: 'params' });
  const data = dataFields(datasets);
  const settings = settingsFields();

  function paramInputs() {
    const s = strategies.find((x) => x.name === strategySel.value);
    strategyDesc.textContent = strategyText(s);
    paramsBox.replaceChildren(...(s?.params || []).map((p) => {
      const id = `p-${p.name}`;
      if (p.type === 'bool') {
        return h('div', { class: 'field', 'data-field': `strategy.params.${p.name}` },
          h('label', { class: 'check', for: id }, h('input', { id, type: 'checkbox', name: p.name, checked: Boolean(p.default), 'data-type': 'bool' }), p.name),
          h('div', { class: 'hint' }, p.description), h('div', { class: 'error', id: `${id}-error` }));
      }
      const input = h('input', { id, name: p.name, type: 'number', required: true, value: String(p.default),
        step: p.type === 'int' ? '1' : 'any', min: p.min ?? null, max: p.max ?? null, 'data-type': p.type, 'aria-describedby': `${id}-hint ${id}-error` });
      return field(`strategy.params.${p.name}`, `${p.name} (${p.type})`, input, paramHint(p));
    }));
  }
  strategySel.addEventListener('change', paramInputs);
  paramInputs();

  function read(errors) {
    let ok = true;
    const params = {};
    for (const input of paramsBox.querySelectorAll('input')) {
      if (input.dataset.type === 'bool') { params[input.name] = input.checked; continue; }
      const v = errors.number(`strategy.params.${input.name}`, input, input.dataset.type,
        input.min === '' ? null : Number(input.min), input.max === '' ? null : Number(input.max));
      if (v === null) ok = false; else params[input.name] = v;
    }
    const spec = { strategy: { name: strategySel.value, params } };
    if (!data.read(errors, spec)) ok = false;
    if (!settings.read(errors, spec)) ok = false;
    return ok ? spec : null;
  }

  return {
    strategy: [field('strategy.name', 'Strategy', strategySel), strategyDesc,
      h('h2', {}, 'Parameters'), h('div', { class: 'field', 'data-field': 'strategy.params' }, paramsBox, h('div', { class: 'error' }))],
    data: data.el,
    settings: settings.el,
    read,
    paramNames: () => [...paramsBox.querySelectorAll('input')].map((input) => input.name),
  };
}

// A strategy's description and the engines that run it; a parameter's description and range.
export function strategyText(s) {
  return s ? `${s.description}${s.engines ? ` — engines: ${s.engines.join(', ')}` : ''}` : '';
}
export function paramHint(p) {
  return `${p.description}; ${p.min ?? '−∞'} to ${p.max ?? '∞'}, default ${p.default}`;
}

// "engines[1].overrides" -> "engines[1]" -> "engines" -> "".
function parentField(name) {
  if (name.includes('.')) return name.slice(0, name.lastIndexOf('.'));
  const stripped = name.replace(/\[\d+\]$/, '');
  return stripped === name ? '' : stripped;
}

// The field errors of `form`: clear(), show(name, message) marks the field a problem names
// (`strategy.params` problems name the parameter in the detail, "parameter 'fast': ...", and a
// nested name falls back to its parent field: `engines[1].overrides.cash` to `engines[1]`, then
// `engines`), number(...) reads a checked number or null.
export function formErrors(form) {
  function show(name, message) {
    const param = name === 'strategy.params' && /parameter '([^']+)'/.exec(message || '');
    if (param) name = `strategy.params.${param[1]}`;
    let box = null;
    for (let n = name; n && !box; n = parentField(n)) {
      box = form.querySelector(`[data-field="${CSS.escape(n)}"]`);
    }
    if (!box) return false;
    box.classList.add('invalid');
    box.querySelector('.error').textContent = message;
    const input = box.querySelector('input, select, textarea');
    if (input) input.setAttribute('aria-invalid', 'true');
    return true;
  }
  return {
    show,
    clear() {
      for (const el of form.querySelectorAll('.field.invalid')) el.classList.remove('invalid');
      for (const el of form.querySelectorAll('.field .error')) el.textContent = '';
      for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
    },
    number(name, input, type, min, max) {
      const text = input.value.trim();
      const v = Number(text);
      if (text === '' || !Number.isFinite(v)) return show(name, 'enter a number'), null;
      if (type === 'int' && !Number.isInteger(v)) return show(name, 'enter a whole number'), null;
      if (min !== null && min !== undefined && v < min) return show(name, `at least ${min}`), null;
      if (max !== null && max !== undefined && v > max) return show(name, `at most ${max}`), null;
      return v;
    },
  };
}

// Submits the form's body to `path` with an Idempotency-Key; on success calls done(answer),
// on a problem shows it in `status` and at the field it names.
export function onSubmit(form, status, errors, build, path, done) {
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    errors.clear();
    status.replaceChildren();
    const body = build();
    if (!body) {
      status.replaceChildren(h('p', { class: 'error-text', role: 'alert' }, 'Fix the marked fields.'));
      form.querySelector('[aria-invalid="true"]')?.focus();
      return;
    }
    try {
      done(await api(path, { method: 'POST', body, headers: { 'Idempotency-Key': randomId() } }));
    } catch (e) {
      status.replaceChildren(problemBox(e));
      if (e.field && errors.show(e.field, e.problem.detail)) form.querySelector('[aria-invalid="true"]')?.focus();
    }
  });
}
