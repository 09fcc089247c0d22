// Monte Carlo on a succeeded run (POST /v1/backtests/{id}/monte-carlo, docs/optimization.md
// ## Monte Carlo): a small form (method, simulations, seed, the block options of the block
// bootstrap, the ruin level), then the distributions of final equity, total return, max drawdown
// and Sharpe ratio — each as its percentile band (p5–p95 whisker, p25–p75 box, median) with the
// original marked — their percentile table, the equity fan chart and the probabilities of ruin.
// The answer holds percentiles, not every path, so the bands stand for histograms.
import { h, svg, fmtCount, fmtMoney, fmtPct, fmtRatio } from './util.js';
import { lineChart } from './charts.js';
import { field, formErrors, onSubmit } from './specform.js';

const METHODS = [['permute', 'permute: the trades in random orders'], ['bootstrap', 'bootstrap: trades drawn with replacement'],
  ['block_bootstrap', 'block bootstrap: blocks of daily returns']];
const PCTS = ['p5', 'p25', 'p50', 'p75', 'p95'];
const ORIGINAL = '#b3261e';

function rowsOf(answer) {
  const sharpe = answer.unit === 'trade' ? 'Sharpe ratio (per trade)' : 'Sharpe ratio (annualized)';
  return [['final_equity', 'Final equity', fmtMoney], ['total_return', 'Total return', fmtPct], ['max_drawdown', 'Max drawdown', fmtPct], ['sharpe', sharpe, fmtRatio]];
}

// One metric's distribution as a band on its own scale: whisker p5–p95, box p25–p75, the median,
// and the original as a red diamond.
function band(key, label, format, m) {
  const w = 520, hgt = 46, pad = 12, values = [...PCTS.map((p) => m[p]), m.original].filter(Number.isFinite);
  if (!values.length) return null;
  let lo = Math.min(...values), hi = Math.max(...values);
  if (hi - lo < 1e-9 * Math.max(1, Math.abs(hi))) { const d = Math.max(Math.abs(hi) * 0.01, 1e-6); lo -= d; hi += d; }
  const x = (v) => pad + ((v - lo) / (hi - lo)) * (w - 2 * pad), mid = 20;
  const title = `${label}: p5 ${format(m.p5)}, p25 ${format(m.p25)}, median ${format(m.p50)}, p75 ${format(m.p75)}, p95 ${format(m.p95)}; original ${format(m.original)}`;
  const o = Number.isFinite(m.original) ? x(m.original) : null;
  return h('div', { class: 'mc-band' }, h('div', { class: 'mc-band-label' }, label),
    svg('svg', { class: 'mc-dist', 'data-metric': key, viewBox: `0 0 ${w} ${hgt}`, role: 'img', 'aria-label': title },
      svg('title', {}, title),
      svg('line', { x1: x(m.p5), x2: x(m.p95), y1: mid, y2: mid, class: 'whisker' }),
      svg('rect', { x: x(m.p25), y: mid - 8, width: Math.max(1, x(m.p75) - x(m.p25)), height: 16, class: 'box' }),
      svg('line', { x1: x(m.p50), x2: x(m.p50), y1: mid - 9, y2: mid + 9, class: 'median' }),
      o === null ? null : svg('path', { d: `M${o} ${mid - 7} L${o + 6} ${mid} L${o} ${mid + 7} L${o - 6} ${mid} Z`, fill: ORIGINAL, class: 'original' }),
      svg('text', { x: pad, y: hgt - 2, class: 'axis-text start' }, format(lo)),
      svg('text', { x: w - pad, y: hgt - 2, class: 'axis-text end' }, format(hi))));
}

function table(answer) {
  const cols = ['Metric', 'Original', 'Mean', 'p5', 'p25', 'Median', 'p75', 'p95', 'Rank'];
  return h('div', { class: 'table-wrap' }, h('table', { id: 'mc-table', class: 'responsive' },
    h('thead', {}, h('tr', {}, cols.map((c, k) => h('th', { scope: 'col', class: k ? 'num' : null }, c)))),
    h('tbody', {}, rowsOf(answer).map(([key, label, format]) => {
      const m = answer.metrics?.[key] || {};
      return h('tr', { 'data-metric': key }, h('th', { scope: 'row' }, label),
        [['Original', m.original], ['Mean', m.mean], ...PCTS.map((p, k) => [cols[3 + k], m[p]])].map(([c, v]) => h('td', { class: 'num', 'data-label': c, title: v === null || v === undefined ? 'null' : String(v) }, format(v))),
        h('td', { class: 'num', 'data-label': 'Rank', title: 'percent of paths below the original' }, Number.isFinite(m.original_rank) ? `${fmtRatio(m.original_rank)} %` : '—'));
    }))));
}

function fanChart(el, fan) {
  const days = Array.isArray(fan.time);
  const x = days ? fan.time.map((t) => Date.parse(t) / 1000) : fan.step;
  const s = (key, label, color, extra = {}) => ({ label, color, values: fan[key] || [], ...extra });
  lineChart(el, { x, xTime: days, xLabel: days ? '' : 'trade', yLabel: 'equity', height: 240, yFormat: (v) => fmtMoney(v),
    series: [s('p95', 'p95', '#7aa2e3'), s('p75', 'p75', '#4a7fd1'), s('p50', 'median', '#1f5fbf', { width: 2 }), s('p25', 'p25', '#4a7fd1'),
      s('p5', 'p5', '#7aa2e3'), s('original', 'original', ORIGINAL, { width: 2 })],
    bands: [{ series: [1, 5], fill: 'rgba(31,95,191,.10)' }, { series: [2, 4], fill: 'rgba(31,95,191,.18)' }] });
}

function resultView(answer) {
  const unit = answer.unit === 'trade' ? 'closed trades' : 'daily returns';
  const fan = h('div', { class: 'chart', id: 'mc-fan', role: 'img', 'aria-label': 'equity percentiles over the simulated paths' });
  const ruin = answer.ruin || {}, below = answer.final_below_start || {};
  const modelEnd = answer.metrics?.final_equity?.original, runEnd = answer.run_final_equity;
  const out = h('div', { id: 'mc-result' },
    h('p', { class: 'reason', id: 'mc-summary' }, `${answer.method} of ${fmtCount(answer.steps)} ${unit}, ${fmtCount(answer.simulations)} simulations, seed ${answer.seed}`
      + `${answer.block_length ? `, ${answer.block_scheme} blocks of ${fmtCount(answer.block_length)} days` : ''}.`),
    h('h3', {}, 'Distributions'),
    h('p', { class: 'chart-legend' }, 'whisker p5–p95, box p25–p75, line the median, ', h('span', { style: `color:${ORIGINAL}` }, '◆'), ' the original'),
    h('div', { id: 'mc-distributions' }, rowsOf(answer).map(([key, label, format]) => band(key, label, format, answer.metrics?.[key] || {}))),
    table(answer),
    h('p', { class: 'reason' }, 'Rank: the percent of paths below the original (50: typical; near 100 for a return: a warning of luck).'),
    h('dl', { class: 'kv', id: 'mc-ruin' },
      h('dt', {}, 'P(ruin)'), h('dd', {}, `${fmtPct(ruin.probability)} (${fmtCount(ruin.paths)} of ${fmtCount(answer.simulations)} paths touched ${fmtMoney(ruin.threshold_equity)}${ruin.original ? '; the original did too' : ''})`),
      h('dt', {}, 'P(final < start)'), h('dd', {}, `${fmtPct(below.probability)} (${fmtCount(below.paths)} paths)`)),
    Number.isFinite(modelEnd) && Number.isFinite(runEnd) && Math.abs(modelEnd - runEnd) > 0.005
      ? h('p', { class: 'reason' }, `The closed trades compound to ${fmtMoney(modelEnd)}; the run ended at ${fmtMoney(runEnd)} (trades still open at the end, or overlapping).`) : null,
    h('h3', {}, 'Equity fan'), fan,
    answer.invariant?.note ? h('p', { class: 'reason', id: 'mc-note' }, answer.invariant.note) : null);
  requestAnimationFrame(() => fanChart(fan, answer.fan_chart || {}));
  return out;
}

// The Monte Carlo card of run `id`.
export function monteCarloSection(id) {
  const method = h('select', { id: 'mc-method' }, METHODS.map(([v, label]) => h('option', { value: v }, label)));
  const sims = h('input', { id: 'mc-simulations', type: 'number', min: 1, max: 100000, step: 1, value: '1000' });
  const seed = h('input', { id: 'mc-seed', type: 'number', min: 0, step: 1, value: '20240601' });
  const ruin = h('input', { id: 'mc-ruin', type: 'number', min: 0, max: 1, step: 'any', value: '0.5' });
  const blockLength = h('input', { id: 'mc-block-length', type: 'number', min: 1, step: 1, placeholder: 'default: ∛days' });
  const scheme = h('select', { id: 'mc-block-scheme' }, h('option', { value: 'stationary' }, 'stationary'), h('option', { value: 'circular' }, 'circular'));
  const blocks = h('div', { class: 'grid' }, field('block_length', 'Block length (days)', blockLength), field('block_scheme', 'Block scheme', scheme));
  const sync = () => { blocks.hidden = method.value !== 'block_bootstrap'; };
  method.addEventListener('change', sync);
  sync();
  const status = h('div', { 'aria-live': 'polite' });
  const result = h('div');
  const form = h('form', { id: 'mc-form', novalidate: true },
    h('div', { class: 'grid' }, field('method', 'Method', method), field('simulations', 'Simulations', sims, '1 to 100,000'),
      field('seed', 'Seed', seed, 'the same seed gives the same answer'), field('ruin_pct', 'Ruin level', ruin, 'a fall of this fraction of the cash counts as ruin')),
    blocks, status, h('button', { type: 'submit', id: 'mc-run' }, 'Run Monte Carlo'));
  const errors = formErrors(form);
  onSubmit(form, status, errors, () => {
    const body = { method: method.value };
    const values = [['simulations', sims, 'int', 1, 100000], ['seed', seed, 'int', 0, null], ['ruin_pct', ruin, 'float', 0, 1]]
      .map(([name, input, type, min, max]) => [name, errors.number(name, input, type, min, max)]);
    if (values.some(([, v]) => v === null)) return null;
    Object.assign(body, Object.fromEntries(values));
    if (body.ruin_pct <= 0) { errors.show('ruin_pct', 'a fraction in (0, 1]'); return null; }
    if (method.value === 'block_bootstrap') {
      body.block_scheme = scheme.value;
      if (blockLength.value.trim()) {
        const L = errors.number('block_length', blockLength, 'int', 1, null);
        if (L === null) return null;
        body.block_length = L;
      }
    }
    result.replaceChildren();
    return body;
  }, `/v1/backtests/${encodeURIComponent(id)}/monte-carlo`, (answer) => result.replaceChildren(resultView(answer)));
  return h('section', { class: 'card', id: 'monte-carlo' }, h('h2', {}, 'Monte Carlo'),
    h('p', { class: 'reason' }, 'Resamples this run\'s closed trades or daily returns to show how much of its result is the luck of their order or draw. Computed on request, not stored.'),
    form, result);
}
