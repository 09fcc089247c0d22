// New comparison: the strategy, dataset and settings of specform.js, and the runs to compare —
// a checkbox per engine (one run each with those settings) and any number of variants (an
// engine with other settings or strategy parameters, `trade_on_close=true, fast=5`, as
// `btrouter compare --variant` takes them). POST /v1/comparisons (docs/comparisons.md), then
// the comparison's page shows its progress and report.
import { navigate } from './app.js';
import { h } from './util.js';
import { SPEC_SETTINGS, TEXT_SETTINGS, choosable, defaultEngine, engineLabel, formErrors, loadSpecChoices, onSubmit, specFields } from './specform.js';

// "trade_on_close=true, fast=5" -> {trade_on_close: true, strategy: {params: {fast: 5}}}, or a
// string saying what is wrong. Values are numbers or true/false (start and end: times, as
// text); keys that are not spec
// settings must be parameters of the strategy.
export function parseOverrides(text, paramNames) {
  const overrides = {};
  for (const item of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^([A-Za-z][\w-]*)\s*=\s*(\S+)$/.exec(item);
    if (!m) return `expected key=value, got '${item}'`;
    const key = m[1].replaceAll('-', '_');
    let value;
    if (TEXT_SETTINGS.has(key)) value = m[2];
    else if (m[2] === 'true' || m[2] === 'false') value = m[2] === 'true';
    else if (Number.isFinite(Number(m[2]))) value = Number(m[2]);
    else return `${key}: expected a number or true/false, got '${m[2]}'`;
    if (SPEC_SETTINGS.has(key)) overrides[key] = value;
    else if (paramNames.includes(key)) ((overrides.strategy ??= { params: {} }).params)[key] = value;
    else return `'${key}' is neither a setting (${[...SPEC_SETTINGS].join(', ')}) nor a parameter of the strategy`;
  }
  return Object.keys(overrides).length ? overrides : 'name at least one setting or parameter';
}

export async function newComparisonPage(main) {
  const choices = await loadSpecChoices();
  const status = h('div', { 'aria-live': 'polite' });
  const spec = specFields(choices);
  const preferred = defaultEngine(choices.engines);
  const boxes = choices.engines.map((e) => h('input', { type: 'checkbox', id: `c-engine-${e.name}`, name: 'engines', value: e.name,
    disabled: !choosable(e), checked: e.name === preferred }));
  const variants = h('div', { id: 'variants' });
  let variantCount = 0;

  function addVariant() {
    const k = ++variantCount;
    const engineSel = h('select', { id: `v-engine-${k}`, name: 'variant-engine' },
      choices.engines.filter(choosable).map((e) => h('option', { value: e.name }, e.name)));
    engineSel.value = preferred === 'auto' ? engineSel.value : preferred;
    const settings = h('input', { id: `v-settings-${k}`, name: 'variant-settings', size: 34, placeholder: 'trade_on_close=true, fast=5', required: true });
    const label = h('input', { id: `v-label-${k}`, name: 'variant-label', size: 14, placeholder: 'optional' });
    const row = h('div', { class: 'variant', 'data-variant': k },
      h('div', { class: 'field' }, h('label', { for: engineSel.id }, 'Engine'), engineSel),
      h('div', { class: 'field variant-settings' }, h('label', { for: settings.id }, 'Settings or parameters'), settings,
        h('div', { class: 'error', id: `${settings.id}-error`, 'aria-live': 'polite' })),
      h('div', { class: 'field' }, h('label', { for: label.id }, 'Label'), label),
      h('button', { type: 'button', class: 'secondary', 'aria-label': `remove variant ${k}`, onclick: () => row.remove() }, 'Remove'));
    row.read = () => ({ engine: engineSel.value, settings: settings.value, label: label.value.trim() });
    variants.append(row);
    settings.focus();
  }

  const form = h('form', { id: 'new-comparison', novalidate: true },
    h('section', { class: 'card' }, h('h2', {}, 'Strategy'), ...spec.strategy),
    spec.data, spec.settings,
    h('section', { class: 'card' }, h('h2', {}, 'Runs to compare'),
      h('div', { class: 'field', 'data-field': 'engines' },
        h('fieldset', { class: 'runs-picker', 'aria-describedby': 'engines-hint' }, h('legend', { class: 'sr-only' }, 'Engines'),
          choices.engines.map((e, k) => h('label', { class: 'check', for: boxes[k].id, title: e.hint ?? null }, boxes[k], engineLabel(e)))),
        h('div', { class: 'hint', id: 'engines-hint' }, 'Each checked engine is one run with the settings above; at least two runs in all. Each run goes to exactly its engine, with no fallback.'),
        h('div', { class: 'error', id: 'engines-error', 'aria-live': 'polite' })),
      h('h3', {}, 'Variants'),
      h('p', { class: 'hint' }, 'A variant runs an engine with other settings (cash, commission, commission_fixed, spread, margin, trade_on_close, exclusive_orders, hedging, finalize_trades) or strategy parameters, e.g. ', h('code', {}, 'trade_on_close=true'), ' or ', h('code', {}, 'fast=5, commission=0.002'), '.'),
      variants,
      h('button', { type: 'button', class: 'secondary', id: 'add-variant', onclick: addVariant }, 'Add a variant')),
    status,
    h('button', { type: 'submit', id: 'submit-comparison' }, 'Start comparison'));
  const errors = formErrors(form);

  onSubmit(form, status, errors, () => {
    const body = spec.read(errors);
    const engines = boxes.filter((b) => b.checked && !b.disabled).map((b) => b.value);
    let ok = Boolean(body);
    for (const row of variants.querySelectorAll('.variant')) {
      const { engine, settings, label } = row.read();
      // The server names a run's problem `engines[i]...`: this row's index.
      row.querySelector('.variant-settings').dataset.field = `engines[${engines.length}]`;
      const overrides = parseOverrides(settings, spec.paramNames());
      if (typeof overrides === 'string') { errors.show(`engines[${engines.length}]`, overrides); ok = false; }
      engines.push({ engine, overrides: typeof overrides === 'string' ? {} : overrides, ...(label ? { label } : {}) });
    }
    if (engines.length < 2) { errors.show('engines', 'choose at least two runs: two engines, or an engine and a variant'); ok = false; }
    return ok ? { ...body, engines } : null;
  }, '/v1/comparisons', (comparison) => navigate(`/dashboard/comparisons/${encodeURIComponent(comparison.id)}`));

  main.replaceChildren(h('p', {}, h('a', { href: '/dashboard/comparisons' }, '← Comparisons')), h('h1', {}, 'New comparison'), form);
  return () => {};
}
