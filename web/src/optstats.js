// The report's overfitting statistics (`analysis`, docs/optimization.md): the deflated Sharpe
// ratio with PSR, the expected maximum Sharpe and the number of trials; PBO by CSCV with its
// logit histogram; the plateau analysis of the grid. A labelled table (one row per statistic,
// data-key its name) with a line saying what each means; a part the server could not compute
// shows its error.
import { h, svg, fmtCount, fmtNum, fmtPct, fmtRatio } from './util.js';
import { fmtObjective, fmtParam } from './sweep.js';

const prob = (v) => fmtRatio(v);
const params = (p) => (p ? Object.entries(p).map(([k, v]) => `${k} = ${fmtParam(v)}`).join(', ') : '—');

// [key, label, value(part, ctx) -> text, explanation]
const DSR_ROWS = [
  ['dsr', 'Deflated Sharpe ratio (DSR)', (d) => prob(d.dsr), 'Probability that the best trial\'s Sharpe ratio beats what the best of N skill-less trials reaches by luck; ≥ 0.95 is significant at 5 %.'],
  ['psr0', 'Probabilistic Sharpe ratio, PSR(0)', (d) => prob(d.psr0), 'Probability that the best trial has any skill, before counting how many trials were tried. High PSR with low DSR: selection bias.'],
  ['sharpe', 'Best trial\'s Sharpe ratio (per period)', (d) => fmtNum(d.sharpe, 4), 'Mean / standard deviation of its daily returns, not annualized.'],
  ['sr0', 'Sharpe ratio expected by luck, SR₀', (d) => fmtNum(d.sr0, 4), 'The per-period Sharpe ratio the best of N_eff skill-less trials would show: √V[SR] · E[max].'],
  ['expected_max', 'Expected maximum Sharpe, E[max]', (d) => fmtRatio(d.expected_max), 'The expected best of N_eff independent zero-skill trials, in standard deviations of the trials\' Sharpe ratios.'],
  ['n_trials', 'Trials, N', (d) => fmtCount(d.n_trials), 'Parameter sets tried.'],
  ['n_effective', 'Effective trials, N_eff', (d) => fmtNum(d.n_effective, 2), 'N corrected for the correlation of neighbouring trials (DSR uses it).'],
  ['n_obs', 'Returns, T', (d) => fmtCount(d.n_obs), 'Per-period returns of the best trial.'],
  ['skew', 'Skewness', (d) => fmtRatio(d.skew), 'Of the best trial\'s returns; negative skew lowers PSR.'],
  ['kurtosis', 'Kurtosis', (d) => fmtRatio(d.kurtosis), 'Non-excess (3 for a normal distribution); fat tails lower PSR.'],
];
const PBO_ROWS = [
  ['pbo', 'Probability of backtest overfitting (PBO)', (p) => prob(p.pbo), 'How often the in-sample winner ends at or below the out-of-sample median (CSCV). Near 0 is good; about 0.5 is what noise gives.'],
  ['prob_oos_loss', 'P(out-of-sample loss)', (p) => fmtPct(p.prob_oos_loss), 'How often the in-sample winner loses money out of sample.'],
  ['degradation', 'Performance degradation', (p) => `slope ${fmtRatio(p.degradation?.slope)}, R² ${fmtRatio(p.degradation?.r2)}`, 'Out-of-sample against in-sample Sharpe of each split\'s winner; a slope near 0 or below: the in-sample edge does not carry over.'],
  ['combinations', 'Splits', (p) => `${fmtCount(p.combinations)} of ${fmtCount(p.blocks)} blocks`, 'Ways of choosing half the time blocks as in-sample.'],
];
const PLATEAU_ROWS = [
  ['best_at_edge', 'Best at an edge', (p) => (p.best_at_edge ? `yes: ${(p.edges || []).map((e) => `${e.param} ${e.side}`).join(', ')}` : 'no'), 'The best lies on the first or last value of a parameter: the searched range is probably too narrow.'],
  ['local_maxima', 'Local maxima', (p) => fmtCount(p.local_maxima), 'Points better than all their neighbours: one is a clean surface, many a noisy one.'],
  ['neighbourhood', 'Best\'s neighbourhood', (p, c) => `mean ${fmtObjective(c.metric, p.best?.neighbourhood_mean)}, worst ${fmtObjective(c.metric, p.best?.neighbourhood_worst)} (${fmtCount(p.best?.neighbourhood_points)} points)`, 'The objective around the best (±1 step on every parameter): close to the best means a plateau, not a lone peak.'],
  ['plateau_share', 'Plateau share', (p) => `${fmtPct(p.plateau?.share)} of ${fmtCount(p.plateau?.neighbours)} neighbours`, 'Neighbours within 10 % (or the absolute tolerance) of the best.'],
  ['robust_best', 'Robust best', (p, c) => `${params(p.robust_best?.params)}: ${fmtObjective(c.metric, p.robust_best?.value)}, neighbourhood mean ${fmtObjective(c.metric, p.robust_best?.neighbourhood_mean)}`, 'The point with the best neighbourhood mean; prefer it when it differs from the best.'],
  ['sensitivity', 'Sensitivity per step', (p, c) => Object.entries(p.sensitivity || {}).map(([k, v]) => `${k} ${fmtObjective(c.metric, v)}`).join(', ') || '—', 'The largest change of the objective per step along each parameter through the best.'],
];

function group(title, part, rows, ctx, id) {
  const head = h('tr', { class: 'group' }, h('th', { scope: 'colgroup', colspan: 3 }, title));
  if (!part) return h('tbody', { id }, head, h('tr', {}, h('td', { colspan: 3, class: 'reason' }, 'Not in the report.')));
  if (part.error) return h('tbody', { id }, head, h('tr', { 'data-key': `${id}-error` }, h('td', { colspan: 3, class: 'error-text' }, part.error)));
  return h('tbody', { id }, head, rows.map(([key, label, value, why]) => h('tr', { 'data-key': key },
    h('th', { scope: 'row' }, label), h('td', { class: 'num' }, value(part, ctx)), h('td', { class: 'reason' }, why))));
}

// The logit histogram of PBO: one bar per bin over [−ln N, ln N]; bins left of 0 (red) are the
// splits PBO counts.
export function logitHistogram(hist) {
  const counts = hist?.counts || [], edges = hist?.edges || [];
  if (!counts.length || edges.length !== counts.length + 1) return null;
  const w = 480, hgt = 150, pad = 22, bw = (w - 2 * pad) / counts.length, peak = Math.max(1, ...counts);
  const bars = counts.map((c, k) => {
    const bh = ((hgt - 2 * pad) * c) / peak, left = edges[k + 1] <= 0;
    return svg('rect', { class: `bar ${left ? 'overfit' : 'holds'}`, x: pad + k * bw + 1, y: hgt - pad - bh, width: Math.max(1, bw - 2), height: bh, 'data-count': c },
      svg('title', {}, `λ in (${fmtNum(edges[k], 2)}, ${fmtNum(edges[k + 1], 2)}]: ${fmtCount(c)} splits`));
  });
  const zero = pad + ((0 - edges[0]) / (edges[edges.length - 1] - edges[0])) * (w - 2 * pad);
  return h('figure', { class: 'histogram' },
    svg('svg', { id: 'pbo-histogram', viewBox: `0 0 ${w} ${hgt}`, role: 'img', 'aria-label': 'distribution of the logits of the in-sample winners\' out-of-sample ranks' },
      bars, svg('line', { x1: zero, x2: zero, y1: pad / 2, y2: hgt - pad, class: 'zero' }),
      svg('text', { x: pad, y: hgt - 6, class: 'axis-text start' }, fmtNum(edges[0], 2)),
      svg('text', { x: zero, y: hgt - 6, class: 'axis-text' }, '0'),
      svg('text', { x: w - pad, y: hgt - 6, class: 'axis-text end' }, fmtNum(edges[edges.length - 1], 2))),
    h('figcaption', { class: 'reason' }, 'Logit λ of each split\'s winner\'s out-of-sample rank: left of 0 (red) it fell to or below the median — PBO is the red share.'));
}

export function statsView(report) {
  const a = report.analysis || {};
  const ctx = { metric: report.request?.objective?.metric };
  return h('div', {},
    h('div', { class: 'table-wrap' }, h('table', { id: 'opt-stats', class: 'metrics stats' },
      group('Deflated Sharpe ratio', a.deflated_sharpe, DSR_ROWS, ctx, 'stats-dsr'),
      group('Probability of backtest overfitting', a.pbo, PBO_ROWS, ctx, 'stats-pbo'),
      group('Plateau of the grid', a.plateau, PLATEAU_ROWS, ctx, 'stats-plateau'))),
    a.pbo && !a.pbo.error ? logitHistogram(a.pbo.logit_histogram) : null);
}
