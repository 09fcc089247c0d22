// The report's best trial (its parameters, objective and key figures), the counts of the sweep,
// and the top trials as a table sortable by any column.
import { h, fmtCount, fmtSeconds } from './util.js';
import { fmtMetric, kpiTiles, metricLabel } from './metrics.js';
import { fmtObjective, fmtParam } from './sweep.js';

const METRIC_COLUMNS = ['total_return', 'cagr', 'sharpe_ratio', 'max_drawdown', 'num_trades', 'win_rate', 'profit_factor'];

// The swept parameters' names, in the request's order.
export const sweptNames = (report) => Object.keys(report.request?.space || {});

function paramList(id, params, swept) {
  return h('dl', { class: 'kv', id }, Object.entries(params || {}).flatMap(([k, v]) => [
    h('dt', { class: swept.includes(k) ? 'swept' : null, title: swept.includes(k) ? 'swept' : 'fixed' }, k),
    h('dd', { 'data-param': k }, fmtParam(v))]));
}

function countsLine(report) {
  const c = report.counts || {};
  return `${fmtCount(c.trials)} trials of ${fmtCount(c.grid_points)} grid points (${fmtCount(c.excluded)} excluded by the constraints or the strategy's rules, `
    + `${fmtCount(c.failed)} failed, ${fmtCount(c.no_objective)} without an objective) in ${fmtSeconds(report.seconds)}.`;
}

export function bestView(report) {
  const metric = report.request?.objective?.metric, swept = sweptNames(report), best = report.best;
  if (!best) return h('div', {}, h('p', { class: 'notice', id: 'no-best' }, 'No trial has an objective: nothing to rank (see min_trades).'), h('p', { class: 'reason' }, countsLine(report)));
  const robust = report.robust_best?.params;
  const differs = robust && swept.some((k) => Number(robust[k]) !== Number(best.params?.[k]));
  return h('div', {},
    h('p', { class: 'best-objective' }, `${metricLabel(metric)}: `, h('strong', { id: 'best-objective', 'data-value': best.objective ?? '' }, fmtObjective(metric, best.objective))),
    paramList('best-params', best.params, swept),
    differs ? h('p', { class: 'notice', id: 'robust-best' }, `Robust best (the best neighbourhood mean): ${swept.map((k) => `${k} = ${fmtParam(robust[k])}`).join(', ')}.`) : null,
    kpiTiles('opt-kpis', best.metrics),
    h('p', { class: 'reason', id: 'opt-counts' }, countsLine(report)));
}

// [key, label, value(trial), format]
function columns(report) {
  const metric = report.request?.objective?.metric;
  return [
    ['rank', 'Rank', (t) => t.rank, fmtCount],
    ...sweptNames(report).map((k) => [`param:${k}`, k, (t) => t.params?.[k], fmtParam]),
    ['objective', `Objective (${metricLabel(metric)})`, (t) => t.objective, (v) => fmtObjective(metric, v)],
    ...METRIC_COLUMNS.filter((k) => k !== metric).map((k) => [k, metricLabel(k), (t) => t.metrics?.[k], (v) => fmtMetric(k, v)]),
  ];
}

const order = (a, b) => (a === b ? 0 : a === null || a === undefined ? 1 : b === null || b === undefined ? -1 : a < b ? -1 : 1);

export function topTrialsTable(report) {
  const trials = report.top || [], cols = columns(report);
  let sortKey = 'rank', dir = 1;
  const wrap = h('div');
  function draw() {
    const col = cols.find(([key]) => key === sortKey);
    const sorted = [...trials].sort((a, b) => dir * order(col[2](a), col[2](b)));
    const th = ([key, label]) => h('th', { scope: 'col', class: 'num', 'aria-sort': key === sortKey ? (dir > 0 ? 'ascending' : 'descending') : 'none' },
      h('button', { type: 'button', 'data-sort': key, onclick: () => { dir = key === sortKey ? -dir : 1; sortKey = key; draw(); wrap.querySelector(`[data-sort="${CSS.escape(key)}"]`).focus(); } },
        label, key === sortKey ? (dir > 0 ? ' ▲' : ' ▼') : ''));
    wrap.replaceChildren(h('div', { class: 'table-wrap' }, h('table', { class: 'responsive', id: 'top-trials' },
      h('thead', {}, h('tr', {}, cols.map(th))),
      h('tbody', {}, sorted.map((t) => h('tr', { 'data-rank': t.rank, 'data-point': t.point },
        cols.map(([key, label, value, format]) => h('td', { class: 'num', 'data-label': label, 'data-key': key }, format(value(t))))))))));
  }
  draw();
  return wrap;
}
