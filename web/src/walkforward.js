// The report's `walk_forward` (docs/optimization.md ## Walk-forward), when the optimization
// asked for one: the stitched out-of-sample equity with each fold's test window marked, a table
// of the folds (windows, the chosen parameters, train against test objective and annual return,
// efficiency) and the stitched curve's key figures and metrics. Any number may be null.
import { h, fmtCount, fmtPct, fmtRatio, fmtTime } from './util.js';
import { lineChart } from './charts.js';
import { fmtMetric, kpiTiles, metricLabel, metricsTable } from './metrics.js';
import { fmtObjective, fmtParam } from './sweep.js';

const FOLD_COLOR = 'rgba(20,33,61,.45)';

// A dashed vertical line at the start of each fold's test window, labelled with the fold.
function foldLines(starts) {
  return (u) => {
    const { ctx } = u, { top, height } = u.bbox;
    ctx.save();
    ctx.strokeStyle = FOLD_COLOR;
    ctx.fillStyle = FOLD_COLOR;
    ctx.lineWidth = devicePixelRatio;
    ctx.setLineDash([4 * devicePixelRatio, 4 * devicePixelRatio]);
    ctx.font = `${11 * devicePixelRatio}px system-ui, sans-serif`;
    for (const [fold, t] of starts) {
      const x = Math.round(u.valToPos(t, 'x', true));
      ctx.beginPath();
      ctx.moveTo(x, top);
      ctx.lineTo(x, top + height);
      ctx.stroke();
      ctx.fillText(`fold ${fold}`, x + 3 * devicePixelRatio, top + 12 * devicePixelRatio);
    }
    ctx.restore();
  };
}

const windowText = (w) => (w ? `${fmtTime(w.start).slice(0, 10)} – ${fmtTime(w.end).slice(0, 10)} (${fmtCount(w.bars)} bars)` : '—');

function foldsTable(wf, swept, metric) {
  const cols = ['Fold', 'Train', 'Test', 'Chosen parameters', 'Train objective', 'Test objective', 'Train annual return', 'Test annual return', 'Efficiency'];
  const chosen = (p) => (p ? swept.map((k) => `${k} = ${fmtParam(p[k])}`).join(', ') : 'none (stayed in cash)');
  return h('div', { class: 'table-wrap' }, h('table', { class: 'responsive', id: 'wf-folds' },
    h('thead', {}, h('tr', {}, cols.map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, (wf.windows || []).map((w) => {
      const td = (label, text, num) => h('td', { 'data-label': label, class: num ? 'num' : null }, text);
      return h('tr', { 'data-fold': w.fold },
        td('Fold', String(w.fold)), td('Train', windowText(w.train)), td('Test', windowText(w.test)),
        h('td', { 'data-label': 'Chosen parameters', 'data-params': JSON.stringify(w.params ?? null) }, chosen(w.params)),
        td('Train objective', fmtObjective(metric, w.train_objective), true), td('Test objective', fmtObjective(metric, w.test_objective), true),
        td('Train annual return', fmtMetric('annual_return', w.train_annual_return), true), td('Test annual return', fmtMetric('annual_return', w.test_annual_return), true),
        td('Efficiency', fmtRatio(w.efficiency), true));
    }))));
}

// The walk-forward section for `report`, or null when the report has none.
export function walkForwardView(report, swept) {
  const wf = report.walk_forward;
  if (!wf) return null;
  const metric = report.request?.objective?.metric;
  const chart = h('div', { class: 'chart', id: 'wf-equity', role: 'img', 'aria-label': 'stitched out-of-sample equity' });
  const curve = wf.equity || { time: [], equity: [] };
  const starts = (wf.windows || []).filter((w) => w.test?.start).map((w) => [w.fold, Date.parse(w.test.start) / 1000]);
  chart.dataset.folds = String(starts.length);
  const section = h('section', { class: 'card', id: 'walk-forward' }, h('h2', {}, 'Walk-forward'),
    h('p', { class: 'reason' }, `${fmtCount(wf.folds)} folds, ${wf.anchored ? 'anchored (every train window starts at the first bar)' : 'rolling train windows'}, `
      + `${fmtPct(wf.test_fraction, 0)} of each fold tested out of sample. Each fold's best set on its train window runs on the test window that follows; the test runs are stitched into one curve.`),
    h('p', {}, 'Walk-forward efficiency: ', h('strong', { id: 'wf-efficiency' }, fmtRatio(wf.efficiency)),
      h('span', { class: 'reason' }, ' — the stitched annual return over the folds\' mean train annual return; near or above 1 the edge held out of sample, under 0.5 the in-sample figures were mostly fit.')),
    h('h3', {}, 'Stitched out-of-sample equity'),
    h('p', { class: 'reason' }, `${fmtCount(curve.points)} points of ${fmtCount(curve.bars)} bars; dashed lines: where each fold's test window starts.`),
    chart,
    h('h3', {}, 'Folds'), foldsTable(wf, swept, metric),
    h('h3', {}, 'The stitched curve\'s metrics'), kpiTiles('wf-kpis', wf.metrics),
    h('details', {}, h('summary', {}, `All metrics (${metricLabel('sharpe_ratio')}, drawdowns, trades, …)`), metricsTable('wf-metrics', wf.metrics)));
  requestAnimationFrame(() => lineChart(chart, {
    x: (curve.time || []).map((t) => Date.parse(t) / 1000), yLabel: 'equity', height: 240,
    series: [{ label: 'out-of-sample equity', color: '#1f5fbf', values: curve.equity || [] }],
    hooks: { draw: [foldLines(starts)] },
  }));
  return section;
}
