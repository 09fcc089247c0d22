// The report's `heatmap`: the objective over the first swept parameter (a line chart when only
// one is swept) or over the first two (an SVG grid of cells coloured from worst to best, the
// parameters' values on the axes; hovering a cell shows its values). With more than two swept
// parameters each cell is the best over the others, as the report's `aggregation` says. The
// best point is outlined, the robust best dashed.
import { h, svg } from './util.js';
import { lineChart } from './charts.js';
import { metricLabel } from './metrics.js';
import { fmtObjective, fmtParam } from './sweep.js';

const STOPS = [[0xd7, 0x30, 0x27], [0xfe, 0xe0, 0x8b], [0x1a, 0x98, 0x50]];  // worst -> best
const EMPTY = '#e6e9ee';

// t in [0, 1] (0 worst, 1 best) -> "rgb(...)" between red, yellow and green.
export function colourAt(t) {
  const u = Math.min(1, Math.max(0, t)) * (STOPS.length - 1), k = Math.min(STOPS.length - 2, Math.floor(u)), f = u - k;
  const c = STOPS[k].map((a, i) => Math.round(a + (STOPS[k + 1][i] - a) * f));
  return `rgb(${c.join(',')})`;
}

// The cell's position from worst (0) to best (1) among the finite values.
function scaler(values, maximize) {
  const finite = values.filter(Number.isFinite);
  const lo = Math.min(...finite), hi = Math.max(...finite);
  return (v) => (hi === lo ? 1 : maximize ? (v - lo) / (hi - lo) : (hi - v) / (hi - lo));
}

const same = (a, b) => a !== undefined && b !== undefined && Number(a) === Number(b);

function lineView(el, map, metric, best) {
  const box = h('div', { class: 'chart', id: 'heatmap-line', role: 'img', 'aria-label': `${metricLabel(metric)} over ${map.x.param}` });
  el.append(h('p', { class: 'reason' }, `${metricLabel(metric)} of each value of ${map.x.param}${best ? `; the best is ${map.x.param} = ${fmtParam(best[map.x.param])}` : ''}. Gaps: values not run or without an objective.`), box);
  requestAnimationFrame(() => lineChart(box, {
    x: map.x.values, xTime: false, xLabel: map.x.param, yLabel: metricLabel(metric), height: 240,
    yFormat: (v) => fmtObjective(metric, v),
    series: [{ label: metricLabel(metric), color: '#1f5fbf', width: 2, points: { show: true, size: 7 }, values: map.values }],
  }));
}

// Shows every k-th label so that labels are at least `room` units apart.
const every = (cell, room) => Math.max(1, Math.ceil(room / cell));

// The cells (rect.cell, each with its parameter values, value and a title) and the outlines of
// the best and the robust best, in an SVG of `cell`-sized squares; the first y value at the bottom.
function gridCells(map, metric, maximize, marked, geometry, readout) {
  const { xs, ys, nx, ny, cell, left, top } = geometry;
  const t = scaler(map.values.flat(), maximize);
  const name = (i, j) => `${map.x.param} = ${fmtParam(xs[i])}, ${map.y.param} = ${fmtParam(ys[j])}`;
  const out = [], outlines = [];
  for (let j = 0; j < ny; ++j) {
    for (let i = 0; i < nx; ++i) {
      const v = map.values[j]?.[i], finite = Number.isFinite(v);
      const x = left + i * cell, y = top + (ny - 1 - j) * cell;
      const text = `${name(i, j)}: ${finite ? `${metricLabel(metric)} ${fmtObjective(metric, v)}` : 'not run or no objective'}`;
      const kinds = ['best', 'robust'].filter((k) => marked[k] && same(marked[k][map.x.param], xs[i]) && same(marked[k][map.y.param], ys[j]));
      out.push(svg('rect', { class: ['cell', ...kinds].join(' '), x, y, width: cell, height: cell, fill: finite ? colourAt(t(v)) : EMPTY,
        'data-x': xs[i], 'data-y': ys[j], 'data-value': finite ? v : '', onmouseenter: () => { readout.textContent = text; } }, svg('title', {}, text)));
      if (finite && cell >= 44 && nx * ny <= 100) out.push(svg('text', { x: x + cell / 2, y: y + cell / 2 + 4, class: 'cell-text' }, fmtObjective(metric, v)));
      for (const k of kinds) outlines.push(svg('rect', { class: `outline ${k}`, x: x + 1.5, y: y + 1.5, width: cell - 3, height: cell - 3 }));
    }
  }
  return [...out, ...outlines];
}

function gridAxes(map, { xs, ys, nx, ny, cell, left, top, hgt }) {
  const xStep = every(cell, 34), yStep = every(cell, 16), mid = top + (ny * cell) / 2;
  return [
    xs.map((v, i) => (i % xStep ? null : svg('text', { x: left + (i + 0.5) * cell, y: top + ny * cell + 14, class: 'axis-text' }, fmtParam(v)))),
    ys.map((v, j) => (j % yStep ? null : svg('text', { x: left - 6, y: top + (ny - 0.5 - j) * cell + 4, class: 'axis-text end' }, fmtParam(v)))),
    svg('text', { x: left + (nx * cell) / 2, y: hgt - 6, class: 'axis-title' }, map.x.param),
    svg('text', { x: 12, y: mid, class: 'axis-title', transform: `rotate(-90 12 ${mid})` }, map.y.param),
  ];
}

function legend(map, metric, maximize) {
  const finite = map.values.flat().filter(Number.isFinite);
  const lo = Math.min(...finite), hi = Math.max(...finite);
  return h('p', { class: 'chart-legend heatmap-legend' }, 'worst ', h('span', { class: 'gradient', 'aria-hidden': 'true' }), ' best',
    finite.length ? `  (${fmtObjective(metric, maximize ? lo : hi)} to ${fmtObjective(metric, maximize ? hi : lo)})   ` : '   ',
    h('span', { class: 'swatch best' }), ' best   ', h('span', { class: 'swatch robust' }), ' robust best   ', h('span', { class: 'swatch empty' }), ' not run');
}

function gridView(el, map, metric, maximize, marked) {
  const xs = map.x.values, ys = map.y.values, nx = xs.length, ny = ys.length;
  const cell = Math.max(10, Math.min(72, Math.floor(720 / Math.max(nx, ny))));
  const geometry = { xs, ys, nx, ny, cell, left: 64, top: 8 };
  geometry.hgt = geometry.top + ny * cell + 44;
  const w = geometry.left + nx * cell + 8;
  const hint = 'Hover a cell for its values.';
  const readout = h('p', { id: 'heatmap-readout', class: 'reason', 'aria-live': 'polite' }, hint);
  const chart = svg('svg', { id: 'heatmap', viewBox: `0 0 ${w} ${geometry.hgt}`, width: w, role: 'img',
    'aria-label': `${metricLabel(metric)} over ${map.x.param} (${nx} values) and ${map.y.param} (${ny} values)`,
    onmouseleave: () => { readout.textContent = hint; } },
  gridCells(map, metric, maximize, marked, geometry, readout), gridAxes(map, geometry));
  if (map.aggregation && map.aggregation !== 'none') {
    el.append(h('p', { class: 'reason', id: 'heatmap-aggregation' },
      `More than two parameters are swept: each cell is the ${map.aggregation === 'max' ? 'highest' : 'lowest'} ${metricLabel(metric)} over the others.`));
  }
  el.append(h('div', { class: 'heatmap-wrap' }, chart), legend(map, metric, maximize), readout);
}

// Draws the report's heatmap into `el`; `best` and `robust` are parameter sets (or null).
export function heatmapView(el, report) {
  const map = report.heatmap;
  const metric = map?.metric ?? report.request?.objective?.metric;
  const maximize = (report.request?.objective?.direction ?? 'max') !== 'min';
  el.replaceChildren();
  if (!map || !map.x || !Array.isArray(map.values)) { el.append(h('p', { class: 'reason' }, 'The report has no heatmap.')); return; }
  const best = report.best?.params ?? null, robust = report.robust_best?.params ?? null;
  if (!map.y) lineView(el, map, metric, best);
  else gridView(el, map, metric, maximize, { best, robust });
}
