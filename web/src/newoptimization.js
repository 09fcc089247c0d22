// New optimization: the engine that runs every trial (native by default: in the worker's
// process; any other configured engine runs one backtest per set, `concurrency` at a time), a
// catalogue strategy that engine runs, its parameter space (spaceform.js), constraints, the objective, grid or random search, an optional walk-forward
// (when the server's OpenAPI document has it), and the dataset, period and settings of
// specform.js. Shows the grid's size as it is edited, checks in the page, POSTs
// /v1/optimizations and shows a server problem at the field it names.
import { navigate } from './app.js';
import { h, fmtCount } from './util.js';
import { metricLabel } from './metrics.js';
import { choosable, dataFields, engineLabel, field, formErrors, loadSpecChoices, onSubmit, settingsFields, strategyText } from './specform.js';
import { spaceRows } from './spaceform.js';
import { LOWER_IS_BETTER, MAX_POINTS, MAX_SWEPT, objectiveMetrics, optimizationHref, walkForwardAvailable } from './sweep.js';

const input = (id, attrs = {}) => h('input', { id, name: id, ...attrs });

// The server's field names -> this form's: `settings: cash: ...` names the cash field,
// `params.fast` the row of fast, `objective` its metric.
export function formFieldOf(name, detail) {
  if (name === 'settings') return /^settings: (\w+):/.exec(detail || '')?.[1] ?? name;
  if (name.startsWith('settings.')) return name.slice('settings.'.length);
  if (name.startsWith('params.')) return `space.${name.slice('params.'.length)}`;
  if (name === 'objective') return 'objective.metric';
  return name;
}

function objectiveFields() {
  const metric = h('select', { id: 'f-metric' }, objectiveMetrics().map((k) => h('option', { value: k, title: k }, metricLabel(k))));
  metric.value = 'sharpe_ratio';
  const direction = h('select', { id: 'f-direction' }, h('option', { value: 'max' }, 'max (higher is better)'), h('option', { value: 'min' }, 'min (lower is better)'));
  metric.addEventListener('change', () => { direction.value = LOWER_IS_BETTER.has(metric.value) ? 'min' : 'max'; });
  const method = h('select', { id: 'f-method' }, h('option', { value: 'grid' }, 'grid: every admissible point'), h('option', { value: 'random' }, 'random: a seeded subset'));
  const maxTries = input('f-max-tries', { type: 'number', step: 'any', min: 0, placeholder: '100 or 0.25' });
  const seed = input('f-seed', { type: 'number', step: 1, min: 0, value: '1' });
  const minTrades = input('f-min-trades', { type: 'number', step: 1, min: 0, value: '1' });
  const blocks = input('f-blocks', { type: 'number', step: 2, min: 0, max: 24, value: '16' });
  const random = h('div', { class: 'grid', id: 'random-fields' },
    field('max_tries', 'Points to run', maxTries, 'a count, or a fraction in (0, 1] of the admissible points'),
    field('seed', 'Seed', seed, 'the same seed draws the same points'));
  const showRandom = () => { random.hidden = method.value !== 'random'; };
  method.addEventListener('change', showRandom);
  showRandom();
  const el = h('section', { class: 'card' }, h('h2', {}, 'Objective and search'),
    h('div', { class: 'grid' }, field('objective.metric', 'Objective', metric, 'a canonical metric (docs/metrics.md)'),
      field('objective.direction', 'Direction', direction), field('method', 'Method', method)),
    random,
    h('div', { class: 'grid' }, field('min_trades', 'Minimum trades', minTrades, 'trials with fewer closed trades are not ranked'),
      field('blocks', 'PBO blocks', blocks, 'time blocks for PBO (CSCV): even, 2 to 24; 0 = no PBO')));
  function read(errors, body) {
    body.objective = { metric: metric.value, direction: direction.value };
    body.method = method.value;
    let ok = true;
    if (method.value === 'random') {
      const tries = errors.number('max_tries', maxTries, 'float', null, null);
      const s = errors.number('seed', seed, 'int', 0, null);
      if (tries === null || s === null) ok = false;
      else if (tries <= 0 || (tries > 1 && !Number.isInteger(tries))) { errors.show('max_tries', 'a whole count, or a fraction in (0, 1]'); ok = false; } else Object.assign(body, { max_tries: tries, seed: s });
    }
    const trades = errors.number('min_trades', minTrades, 'int', 0, null);
    const b = errors.number('blocks', blocks, 'int', 0, 24);
    if (b !== null && b % 2) { errors.show('blocks', 'an even number'); ok = false; }
    if (trades === null || b === null) return false;
    Object.assign(body, { min_trades: trades, blocks: b });
    return ok;
  }
  return { el, read, method, maxTries };
}

function walkForwardFields() {
  const on = input('f-wf', { type: 'checkbox' });
  const folds = input('f-wf-folds', { type: 'number', step: 1, min: 1, max: 100, value: '5' });
  const fraction = input('f-wf-test-fraction', { type: 'number', step: 'any', min: 0, max: 1, value: '0.25' });
  const anchored = input('f-wf-anchored', { type: 'checkbox' });
  const inner = h('div', { class: 'grid' },
    field('walk_forward.folds', 'Folds', folds, 'train/test folds, 1 to 100'),
    field('walk_forward.test_fraction', 'Test fraction', fraction, 'the out-of-sample share of each fold, in (0, 1)'),
    h('div', { class: 'field', 'data-field': 'walk_forward.anchored' }, h('label', { class: 'check', for: anchored.id }, anchored, 'Anchored'),
      h('div', { class: 'hint' }, 'every train window starts at the first bar (else the windows roll)'), h('div', { class: 'error' })));
  const sync = () => { inner.hidden = !on.checked; };
  on.addEventListener('change', sync);
  sync();
  const el = h('section', { class: 'card', id: 'walk-forward-fields' }, h('h2', {}, 'Walk-forward'),
    h('label', { class: 'check', for: on.id }, on, 'Also run a walk-forward'),
    h('p', { class: 'hint' }, 'Each fold sweeps its train window and runs the best set on the test window that follows; the test runs are stitched into one out-of-sample curve.'),
    inner);
  function read(errors, body) {
    if (!on.checked) return true;
    const k = errors.number('walk_forward.folds', folds, 'int', 1, 100);
    const p = errors.number('walk_forward.test_fraction', fraction, 'float', 0, 1);
    if (p !== null && (p <= 0 || p >= 1)) { errors.show('walk_forward.test_fraction', 'a fraction strictly between 0 and 1'); return false; }
    if (k === null || p === null) return false;
    body.walk_forward = { folds: k, test_fraction: p, anchored: anchored.checked };
    return true;
  }
  return { el, read };
}

// The engine select (native first when it can be chosen; a sweep names its engine: no auto)
// and the runs-in-flight field, shown for engines other than native.
function engineFields(engines) {
  const engineSel = h('select', { id: 'f-engine', name: 'engine' },
    engines.map((e) => h('option', { value: e.name, disabled: !choosable(e), title: e.hint ?? null }, engineLabel(e))));
  engineSel.value = engines.some((e) => e.name === 'native' && choosable(e)) ? 'native' : (engines.find(choosable)?.name ?? '');
  const concurrency = input('f-concurrency', { type: 'number', step: 1, min: 1, max: 64, value: '4' });
  const concurrencyField = field('concurrency', 'Runs in flight', concurrency, 'one backtest per parameter set on this engine, this many at a time (1 to 64)');
  const sync = () => { concurrencyField.hidden = engineSel.value === 'native'; };
  engineSel.addEventListener('change', sync);
  sync();
  function read(errors, body) {
    body.engine = engineSel.value;
    if (engineSel.value === 'native') return true;
    const n = errors.number('concurrency', concurrency, 'int', 1, 64);
    if (n === null) return false;
    body.concurrency = n;
    return true;
  }
  return { engineSel, concurrencyField, read };
}

export async function newOptimizationPage(main) {
  const choices = await loadSpecChoices();
  const engine = engineFields(choices.engines);
  const runsOn = (s) => !s.engines || s.engines.includes(engine.engineSel.value);
  let strategies = choices.strategies.filter(runsOn);
  const status = h('div', { 'aria-live': 'polite' });
  const strategySel = h('select', { id: 'f-strategy', name: 'strategy' }, strategies.map((s) => h('option', { value: s.name }, s.name)));
  const strategyDesc = h('p', { class: 'hint' });
  const rowsBox = h('div', { id: 'space' });
  const constraints = h('textarea', { id: 'f-constraints', name: 'constraints', rows: 2, cols: 40, placeholder: 'fast < slow' });
  const gridLine = h('p', { id: 'grid-size', class: 'notice', 'aria-live': 'polite' });
  const objective = objectiveFields();
  const walkForward = walkForwardAvailable() ? walkForwardFields() : null;
  const data = dataFields(choices.datasets);
  const settings = settingsFields();
  let space = null;

  function showGrid() {
    const counts = space.counts();
    if (!counts.length) { gridLine.textContent = 'Sweep at least one parameter: choose range, list or both.'; return; }
    const total = counts.reduce((n, [, c]) => n * c, 1);
    const factors = counts.map(([name, c]) => `${name} ${Number.isFinite(c) ? fmtCount(c) : '?'}`).join(' × ');
    gridLine.dataset.points = Number.isFinite(total) ? String(total) : '';
    const limit = counts.length > MAX_SWEPT ? ` — at most ${MAX_SWEPT} swept parameters` : total > MAX_POINTS ? ` — over the limit of ${fmtCount(MAX_POINTS)}` : '';
    const random = objective.method.value === 'random' ? `; random: ${objective.maxTries.value || '?'} of them` : '';
    gridLine.textContent = `Grid: ${factors} = ${Number.isFinite(total) ? fmtCount(total) : '?'} points${random}${limit}. Constraints and the strategy's own rules may exclude some.`;
  }
  function pickStrategy() {
    const s = strategies.find((x) => x.name === strategySel.value);
    strategyDesc.textContent = strategyText(s);
    space = spaceRows(rowsBox, s, showGrid);
    showGrid();
  }
  strategySel.addEventListener('change', pickStrategy);
  engine.engineSel.addEventListener('change', () => {
    const chosen = strategySel.value;
    strategies = choices.strategies.filter(runsOn);
    strategySel.replaceChildren(...strategies.map((x) => h('option', { value: x.name }, x.name)));
    if (strategies.some((x) => x.name === chosen)) strategySel.value = chosen;
    pickStrategy();
  });
  objective.el.addEventListener('change', showGrid);
  objective.el.addEventListener('input', showGrid);
  pickStrategy();

  const form = h('form', { id: 'new-optimization', novalidate: true },
    h('section', { class: 'card' }, h('h2', {}, 'Strategy and parameters'),
      h('p', { class: 'hint' }, 'On native, trials run in the worker\'s process, thousands of sets a second; on another engine each set is one backtest there.'),
      field('engine', 'Engine', engine.engineSel), engine.concurrencyField,
      field('strategy', 'Strategy', strategySel), strategyDesc,
      h('div', { class: 'field', 'data-field': 'space' }, h('div', { class: 'error', 'aria-live': 'polite' }), rowsBox),
      field('constraints', 'Constraints', constraints, 'one per line: comparisons of + - * / over parameter names and numbers, e.g. fast < slow or slow >= 2 * fast'),
      gridLine),
    objective.el, walkForward?.el, data.el, settings.el, status,
    h('button', { type: 'submit', id: 'submit-optimization' }, 'Start optimization'));
  const errors = formErrors(form);
  const serverErrors = { ...errors, show: (name, detail) => errors.show(formFieldOf(name, detail), detail) };

  onSubmit(form, status, serverErrors, () => {
    const body = { strategy: strategySel.value };
    const swept = space.read(errors);
    let ok = Boolean(swept);
    if (!engine.read(errors, body)) ok = false;
    if (swept) Object.assign(body, swept);
    body.constraints = constraints.value.split('\n').map((s) => s.trim()).filter(Boolean);
    if (!objective.read(errors, body)) ok = false;
    if (walkForward && !walkForward.read(errors, body)) ok = false;
    const spec = {};
    if (!data.read(errors, spec)) ok = false;
    body.dataset = spec.dataset;
    delete spec.dataset;
    if (!settings.read(errors, spec)) ok = false;
    body.settings = spec;
    return ok ? body : null;
  }, '/v1/optimizations', (job) => navigate(optimizationHref(job.id)));

  main.replaceChildren(h('p', {}, h('a', { href: '/dashboard/optimizations' }, '← Optimizations')), h('h1', {}, 'New optimization'), form);
  return () => {};
}
