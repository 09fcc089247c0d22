// New run: a form built from /v1/strategies (typed parameters with their defaults and ranges),
// /v1/engines (engine select, plus auto) and /v1/datasets (picker, or a CSV uploaded through
// POST /v1/datasets), with cash and costs. It validates in the page before it submits, then
// shows the server's problem at the field it names (`strategy.params.fast`, `dataset`, ...).
import { api } from './api.js';
import { navigate } from './app.js';
import { h, problemBox, randomId } from './util.js';

const COSTS = [
  ['cash', 'Cash', 10000, 'starting cash', 1e-9, null],
  ['commission', 'Commission', 0, 'fraction of traded value (0.001 = 0.1 %)', 0, 1],
  ['commission_fixed', 'Fixed commission', 0, 'cash per order', 0, null],
  ['spread', 'Spread', 0, 'fraction of price', 0, 1],
  ['margin', 'Margin', 1, 'margin ratio (0.02 = 50:1)', 1e-9, 1],
];
const FLAGS = [['trade_on_close', 'Trade on close'], ['exclusive_orders', 'Exclusive orders'], ['hedging', 'Hedging'], ['finalize_trades', 'Finalize trades']];

function field(name, label, input, hint) {
  return h('div', { class: 'field', 'data-field': name },
    h('label', { for: input.id }, label), input,
    hint ? h('div', { class: 'hint', id: `${input.id}-hint` }, hint) : null,
    h('div', { class: 'error', id: `${input.id}-error`, 'aria-live': 'polite' }));
}

export async function newRunPage(main) {
  const [strategies, engines, datasets] = await Promise.all([api('/v1/strategies'), api('/v1/engines'), api('/v1/datasets')]);
  const items = strategies.items || strategies;
  const status = h('div', { 'aria-live': 'polite' });
  const engineSel = h('select', { id: 'f-engine', name: 'engine' },
    engines.map((e) => h('option', { value: e.name }, `${e.name} (${e.state})`)), h('option', { value: 'auto' }, 'auto (healthiest capable engine)'));
  const strategySel = h('select', { id: 'f-strategy', name: 'strategy' }, items.map((s) => h('option', { value: s.name }, s.name)));
  const strategyDesc = h('p', { class: 'hint' });
  const paramsBox = h('div', { class: 'grid', id: 'params' });
  const datasetSel = h('select', { id: 'f-dataset', name: 'dataset' }, h('option', { value: '' }, '— choose a dataset —'),
    (datasets.items || []).map((d) => h('option', { value: d.id }, `${d.name} (${d.bars} bars, ${d.start?.slice(0, 10)} – ${d.end?.slice(0, 10)})`)));
  const fileInput = h('input', { id: 'f-upload', name: 'upload', type: 'file', accept: '.csv,text/csv' });
  const uploadBtn = h('button', { type: 'button', class: 'secondary', id: 'upload' }, 'Upload CSV');
  const uploadStatus = h('div', { 'aria-live': 'polite' });

  function paramInputs() {
    const s = items.find((x) => x.name === strategySel.value);
    strategyDesc.textContent = s ? `${s.description}${s.engines ? ` — engines: ${s.engines.join(', ')}` : ''}` : '';
    paramsBox.replaceChildren(...(s?.params || []).map((p) => {
      const id = `p-${p.name}`;
      if (p.type === 'bool') {
        return h('div', { class: 'field', 'data-field': `strategy.params.${p.name}` },
          h('label', { class: 'check', for: id }, h('input', { id, type: 'checkbox', name: p.name, checked: Boolean(p.default), 'data-type': 'bool' }), p.name),
          h('div', { class: 'hint' }, p.description), h('div', { class: 'error', id: `${id}-error` }));
      }
      const input = h('input', { id, name: p.name, type: 'number', required: true, value: String(p.default),
        step: p.type === 'int' ? '1' : 'any', min: p.min ?? null, max: p.max ?? null, 'data-type': p.type, 'aria-describedby': `${id}-hint ${id}-error` });
      return field(`strategy.params.${p.name}`, `${p.name} (${p.type})`, input, `${p.description}; ${p.min ?? '−∞'} to ${p.max ?? '∞'}, default ${p.default}`);
    }));
  }
  strategySel.addEventListener('change', paramInputs);
  paramInputs();

  const costInputs = COSTS.map(([name, label, def, hint, min, max]) => {
    const input = h('input', { id: `f-${name}`, name, type: 'number', step: 'any', value: String(def), required: true, min: min ?? null, max: max ?? null, 'aria-describedby': `f-${name}-hint f-${name}-error` });
    return { name, input, min, max, el: field(name, label, input, hint) };
  });
  const flagInputs = FLAGS.map(([name, label]) => ({ name, input: h('input', { id: `f-${name}`, type: 'checkbox', name }), label }));

  uploadBtn.addEventListener('click', async () => {
    const file = fileInput.files[0];
    if (!file) { uploadStatus.replaceChildren(h('p', { class: 'error-text' }, 'Choose a CSV file first.')); return; }
    uploadStatus.replaceChildren(h('p', {}, `Uploading ${file.name}…`));
    try {
      const name = file.name.replace(/\.csv$/i, '');
      const ds = await api(`/v1/datasets?name=${encodeURIComponent(name)}`, { method: 'POST', body: file, headers: { 'Content-Type': 'text/csv' } });
      datasetSel.append(h('option', { value: ds.id }, `${ds.name} (${ds.bars} bars, uploaded)`));
      datasetSel.value = ds.id;
      uploadStatus.replaceChildren(h('p', { class: 'notice', id: 'upload-done' }, `Uploaded ${ds.name}: ${ds.id}, ${ds.bars} bars.`));
    } catch (e) { uploadStatus.replaceChildren(problemBox(e)); }
  });

  const form = h('form', { id: 'new-run', novalidate: true },
    h('section', { class: 'card' }, h('h2', {}, 'Engine and strategy'),
      field('engine', 'Engine', engineSel), field('strategy.name', 'Strategy', strategySel), strategyDesc,
      h('h2', {}, 'Parameters'), h('div', { class: 'field', 'data-field': 'strategy.params' }, paramsBox, h('div', { class: 'error' }))),
    h('section', { class: 'card' }, h('h2', {}, 'Data'), field('dataset', 'Dataset', datasetSel),
      h('div', { class: 'field' }, h('label', { for: 'f-upload' }, 'Or upload a CSV (time, open, high, low, close[, volume])'), fileInput, ' ', uploadBtn, uploadStatus)),
    h('section', { class: 'card' }, h('h2', {}, 'Cash and costs'), h('div', { class: 'grid' }, costInputs.map((c) => c.el)),
      h('div', { class: 'grid' }, flagInputs.map((f) => h('label', { class: 'check', for: f.input.id }, f.input, f.label)))),
    status,
    h('button', { type: 'submit', id: 'submit-run' }, 'Submit backtest'));

  function clearErrors() {
    for (const el of form.querySelectorAll('.field.invalid')) el.classList.remove('invalid');
    for (const el of form.querySelectorAll('.field .error')) el.textContent = '';
    for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  }
  // Marks the field a problem names; `strategy.params` problems name the parameter in the
  // detail ("parameter 'fast': ..."), and a nested name falls back to its parent field.
  function showError(name, message) {
    const param = name === 'strategy.params' && /parameter '([^']+)'/.exec(message || '');
    if (param) name = `strategy.params.${param[1]}`;
    let box = null;
    for (let n = name; n && !box; n = n.includes('.') ? n.slice(0, n.lastIndexOf('.')) : '') {
      box = form.querySelector(`[data-field="${CSS.escape(n)}"]`);
    }
    if (!box) return false;
    box.classList.add('invalid');
    box.querySelector('.error').textContent = message;
    const input = box.querySelector('input, select');
    if (input) input.setAttribute('aria-invalid', 'true');
    return true;
  }
  function checkNumber(name, input, type, min, max) {
    const text = input.value.trim();
    const v = Number(text);
    if (text === '' || !Number.isFinite(v)) return showError(name, 'enter a number'), null;
    if (type === 'int' && !Number.isInteger(v)) return showError(name, 'enter a whole number'), null;
    if (min !== null && min !== undefined && v < min) return showError(name, `at least ${min}`), null;
    if (max !== null && max !== undefined && v > max) return showError(name, `at most ${max}`), null;
    return v;
  }

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors();
    status.replaceChildren();
    let ok = true;
    const params = {};
    for (const input of paramsBox.querySelectorAll('input')) {
      if (input.dataset.type === 'bool') { params[input.name] = input.checked; continue; }
      const v = checkNumber(`strategy.params.${input.name}`, input, input.dataset.type,
        input.min === '' ? null : Number(input.min), input.max === '' ? null : Number(input.max));
      if (v === null) ok = false; else params[input.name] = v;
    }
    const spec = { engine: engineSel.value, strategy: { name: strategySel.value, params }, dataset: datasetSel.value };
    if (!datasetSel.value) { showError('dataset', 'choose a dataset or upload a CSV'); ok = false; }
    for (const c of costInputs) {
      const v = checkNumber(c.name, c.input, 'float', c.min, c.max);
      if (v === null) ok = false; else spec[c.name] = v;
    }
    for (const f of flagInputs) spec[f.name] = f.input.checked;
    if (!ok) {
      status.replaceChildren(h('p', { class: 'error-text', role: 'alert' }, 'Fix the marked fields.'));
      form.querySelector('[aria-invalid="true"]')?.focus();
      return;
    }
    try {
      const job = await api('/v1/backtests', { method: 'POST', body: spec, headers: { 'Idempotency-Key': randomId() } });
      navigate(`/dashboard/runs?highlight=${encodeURIComponent(job.id)}`);
    } catch (e) {
      status.replaceChildren(problemBox(e));
      if (e.field && showError(e.field, e.problem.detail)) form.querySelector('[aria-invalid="true"]')?.focus();
    }
  });

  main.replaceChildren(h('h1', {}, 'New run'), form);
  return () => {};
}
