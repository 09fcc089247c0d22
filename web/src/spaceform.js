// The parameter space of a new optimization: one row per parameter of the chosen strategy
// (GET /v1/strategies), each fixed at a value (its default first), swept over a range
// (min, max, step) or over a list of values; a bool parameter is fixed or swept over both. Reads
// into the request's `space` and `params` (docs/optimization.md), checking types and ranges in the
// page, and counts the grid as the server does.
import { h } from './util.js';
import { MAX_VALUES, axisCount } from './sweep.js';

const MODES = [['fixed', 'fixed'], ['range', 'range'], ['list', 'list']];
const BOOL_MODES = [['fixed', 'fixed'], ['both', 'both (false, true)']];

function numberInput(id, value, p, label) {
  return h('input', { id, type: 'number', step: p.type === 'int' ? '1' : 'any', value: value === undefined ? '' : String(value),
    min: p.min ?? null, max: p.max ?? null, 'aria-label': label, class: 'short' });
}

// A first guess for a range: from the default to about twice it.
function rangeGuess(p) {
  const def = Number(p.default) || 0;
  const max = Math.min(p.max ?? Infinity, def > 0 ? def * 2 : def + 10);
  const step = p.type === 'int' ? Math.max(1, Math.round((max - def) / 4)) : Number(((max - def) / 4).toPrecision(3)) || 1;
  return { min: def, max, step };
}

function paramRow(p) {
  const name = p.name, bool = p.type === 'bool';
  const mode = h('select', { id: `s-mode-${name}`, 'aria-label': `how to set ${name}` },
    (bool ? BOOL_MODES : MODES).map(([value, label]) => h('option', { value }, label)));
  const guess = rangeGuess(p);
  const inputs = bool
    ? { value: h('input', { id: `s-value-${name}`, type: 'checkbox', checked: Boolean(p.default), 'aria-label': `${name} value` }) }
    : { value: numberInput(`s-value-${name}`, p.default, p, `${name} value`),
      min: numberInput(`s-min-${name}`, guess.min, p, `${name} minimum`),
      max: numberInput(`s-max-${name}`, guess.max, p, `${name} maximum`),
      step: numberInput(`s-step-${name}`, guess.step, p, `${name} step`),
      list: h('input', { id: `s-list-${name}`, type: 'text', placeholder: `e.g. ${p.default}, ${guess.max}`, 'aria-label': `${name} values`, size: 18 }) };
  const parts = {
    fixed: h('span', { class: 'sweep-part', 'data-mode': 'fixed' }, inputs.value),
    range: bool ? null : h('span', { class: 'sweep-part', 'data-mode': 'range' }, 'from ', inputs.min, ' to ', inputs.max, ' step ', inputs.step),
    list: bool ? null : h('span', { class: 'sweep-part', 'data-mode': 'list' }, inputs.list),
  };
  const show = () => { for (const [m, el] of Object.entries(parts)) if (el) el.hidden = m !== mode.value; };
  mode.addEventListener('change', show);
  show();
  const el = h('div', { class: 'field sweep-row', 'data-field': `space.${name}`, 'data-param': name },
    h('div', { class: 'sweep-name' }, h('label', { for: mode.id }, `${name} (${p.type})`)),
    mode, ...Object.values(parts).filter(Boolean),
    h('div', { class: 'hint' }, `${p.description}; ${p.min ?? '−∞'} to ${p.max ?? '∞'}, default ${p.default}`),
    h('div', { class: 'error', id: `s-${name}-error`, 'aria-live': 'polite' }));
  return { p, el, mode, inputs };
}

// "5, 10, 20" -> [5, 10, 20]; null when an item is not a number.
function parseList(text) {
  const items = text.split(/[,\s]+/).filter(Boolean).map(Number);
  return items.every(Number.isFinite) ? items : null;
}

// The values of a row as the request sends them: {fixed: v} or {axis: [..] | {min, max, step}},
// or {error} saying what is wrong. Lenient callers (the grid count) ignore the error.
function rowValue({ p, mode, inputs }) {
  const inRange = (v) => (p.type === 'int' && !Number.isInteger(v) ? 'whole numbers only'
    : p.min !== undefined && p.min !== null && v < p.min ? `at least ${p.min}`
      : p.max !== undefined && p.max !== null && v > p.max ? `at most ${p.max}` : null);
  if (p.type === 'bool') return mode.value === 'both' ? { axis: [false, true] } : { fixed: inputs.value.checked };
  if (mode.value === 'fixed') {
    const text = inputs.value.value.trim(), v = Number(text);
    if (text === '' || !Number.isFinite(v)) return { error: 'enter a number' };
    return inRange(v) ? { error: inRange(v) } : { fixed: v };
  }
  if (mode.value === 'list') {
    const values = parseList(inputs.list.value);
    if (!values || !values.length) return { error: 'enter numbers separated by commas' };
    const bad = values.map(inRange).find(Boolean);
    if (bad) return { error: bad };
    if (values.length > MAX_VALUES) return { error: `at most ${MAX_VALUES.toLocaleString('en-US')} values` };
    return { axis: values };
  }
  const [min, max, step] = ['min', 'max', 'step'].map((k) => Number(inputs[k].value.trim() === '' ? NaN : inputs[k].value));
  if (![min, max, step].every(Number.isFinite)) return { error: 'enter min, max and step' };
  const bad = inRange(min) || inRange(max);
  if (bad) return { error: bad };
  if (step <= 0) return { error: 'the step must be > 0' };
  if (max < min) return { error: 'max must be at least min' };
  if (p.type === 'int' && !Number.isInteger(step)) return { error: 'the step must be a whole number' };
  const axis = { min, max, step };
  if (axisCount(axis) > MAX_VALUES) return { error: `at most ${MAX_VALUES.toLocaleString('en-US')} values (raise the step)` };
  return { axis };
}

// The rows of `strategy` in `box`; calls onChange() when a value or mode changes. Returns
// {read(errors) -> {space, params} | null, counts() -> [[name, values]] of the swept rows}.
export function spaceRows(box, strategy, onChange) {
  const rows = (strategy?.params || []).map(paramRow);
  box.replaceChildren(...rows.map((r) => r.el));
  box.oninput = onChange;
  box.onchange = onChange;
  return {
    read(errors) {
      const space = {}, params = {};
      let ok = true;
      for (const r of rows) {
        const v = rowValue(r);
        if (v.error) { errors.show(`space.${r.p.name}`, v.error); ok = false; } else if (v.axis) space[r.p.name] = v.axis; else params[r.p.name] = v.fixed;
      }
      if (ok && !Object.keys(space).length) { errors.show('space', 'sweep at least one parameter (range, list or both)'); ok = false; }
      return ok ? { space, params } : null;
    },
    counts() {
      return rows.filter((r) => r.mode.value !== 'fixed').map((r) => {
        const v = rowValue(r);
        return [r.p.name, v.axis ? axisCount(v.axis) : NaN];
      });
    },
  };
}
