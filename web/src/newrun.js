// New run: the engine (from /v1/engines, starting on the server's default engine; disabled
// engines are listed with how to enable them but cannot be chosen; or auto), then the strategy,
// dataset and settings of specform.js. It validates in the page before it submits
// (POST /v1/backtests), then shows the server's problem at the field it names.
import { navigate } from './app.js';
import { h } from './util.js';
import { choosable, defaultEngine, engineLabel, field, formErrors, loadSpecChoices, onSubmit, specFields } from './specform.js';

export async function newRunPage(main) {
  const choices = await loadSpecChoices();
  const status = h('div', { 'aria-live': 'polite' });
  const engineSel = h('select', { id: 'f-engine', name: 'engine' },
    choices.engines.map((e) => h('option', { value: e.name, disabled: !choosable(e), title: e.hint ?? null }, engineLabel(e))),
    h('option', { value: 'auto' }, 'auto (healthiest capable engine)'));
  engineSel.value = defaultEngine(choices.engines);
  const spec = specFields(choices);

  const form = h('form', { id: 'new-run', novalidate: true },
    h('section', { class: 'card' }, h('h2', {}, 'Engine and strategy'), field('engine', 'Engine', engineSel), ...spec.strategy),
    spec.data, spec.settings, status,
    h('button', { type: 'submit', id: 'submit-run' }, 'Submit backtest'));
  const errors = formErrors(form);
  onSubmit(form, status, errors, () => {
    const body = spec.read(errors);
    return body && { engine: engineSel.value, ...body };
  }, '/v1/backtests', (job) => navigate(`/dashboard/runs?highlight=${encodeURIComponent(job.id)}`));

  main.replaceChildren(h('h1', {}, 'New run'), form);
  return () => {};
}
