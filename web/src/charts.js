// Charts with uPlot (canvas): equity, drawdown, trades on the price, the engines' latency
// sparklines, an objective over a parameter's values and Monte Carlo fans. Times are seconds
// since the epoch (uPlot's default x scale); `xTime: false` plots plain numbers.
import uPlot from './vendor/uPlot.esm.js';

// The object without its undefined members (uPlot would take them over its defaults).
const defined = (o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

function width(el) { return Math.max(280, Math.floor(el.getBoundingClientRect().width || 600)); }

export const ENTRY_COLOR = '#1e7b34';
export const EXIT_COLOR = '#b3261e';

// Draws into `el` (emptied first) and redraws on resize; returns the uPlot instance, also kept
// as el.chart. `hooks` are uPlot hooks (e.g. {draw: [fn]}); `bands` fill between two series
// ([{series: [upper, lower], fill}], indices as in uPlot: 1 is the first series); `yFormat`
// formats the y axis's and legend's values.
export function lineChart(el, { x, series, height = 220, yLabel = '', hooks = {}, xTime = true, xLabel = '', bands, yFormat }) {
  el.replaceChildren();
  const yValue = yFormat ? (u, v) => (v === null || v === undefined ? '—' : yFormat(v)) : undefined;
  const opts = {
    width: width(el), height,
    scales: { x: { time: xTime } },
    axes: [defined({ label: xLabel || undefined }), defined({ label: yLabel, size: 70, values: yFormat ? (u, ticks) => ticks.map(yFormat) : undefined })],
    series: [xLabel ? { label: xLabel } : {}, ...series.map((s) => ({ label: s.label, stroke: s.color, width: s.width ?? 1.5,
      fill: s.fill, points: s.points ?? { show: false }, paths: s.paths, spanGaps: s.spanGaps ?? false, ...defined({ dash: s.dash, value: yValue }) })) ],
    legend: { show: true },
    hooks,
  };
  if (bands) opts.bands = bands;
  const chart = new uPlot(opts, [x, ...series.map((s) => s.values)], el);
  el.dataset.points = String(x.length);
  el.chart = chart;
  const ro = new ResizeObserver(() => chart.setSize({ width: width(el), height }));
  ro.observe(el);
  return chart;
}

// Triangles for the non-null values of data column `index` (0 is x): pointing up from below the value
// (`up`), or down from above it, so an entry and an exit at the same time and price are both
// seen. Drawn in the plot area only.
function drawMarkers(u, index, up, color) {
  const { ctx } = u;
  const size = 6 * devicePixelRatio, { left, top, width: w, height: hgt } = u.bbox;
  const xs = u.data[0], ys = u.data[index];
  ctx.save();
  ctx.beginPath();
  ctx.rect(left, top, w, hgt);
  ctx.clip();
  ctx.fillStyle = color;
  ctx.strokeStyle = '#fff';
  ctx.lineWidth = devicePixelRatio;
  for (let i = 0; i < xs.length; ++i) {
    if (ys[i] === null || ys[i] === undefined) continue;
    const cx = u.valToPos(xs[i], 'x', true), cy = u.valToPos(ys[i], 'y', true);
    const base = up ? cy + 2 * size : cy - 2 * size;
    ctx.beginPath();
    ctx.moveTo(cx, cy);
    ctx.lineTo(cx - size, base);
    ctx.lineTo(cx + size, base);
    ctx.closePath();
    ctx.fill();
    ctx.stroke();
  }
  ctx.restore();
}

// Trades on the price: the close of each bar (`bars`: the points of
// GET /v1/datasets/{id}/bars, possibly OHLC buckets) as a line, with each trade's entry (a
// green triangle below the price, pointing up at it) and exit (a red triangle above, pointing
// down) at its time and price; the legend names both. Without bars (null or empty) the line
// joins the traded prices instead. Sets el.dataset.source to "bars" or "trades".
export function tradesChart(el, trades, bars = null) {
  const points = new Map();
  const at = (time) => {
    if (!points.has(time)) points.set(time, { price: null, entry: null, exit: null });
    return points.get(time);
  };
  const useBars = Array.isArray(bars) && bars.length > 0;
  if (useBars) for (const b of bars) at(Date.parse(b.time) / 1000).price = b.close;
  for (const t of trades) {
    const e = Date.parse(t.entry_time) / 1000, x = Date.parse(t.exit_time) / 1000;
    const entry = at(e);
    entry.entry = t.entry_price;
    if (!useBars && entry.price === null) entry.price = t.entry_price;
    if (!Number.isNaN(x)) {
      const exit = at(x);
      exit.exit = t.exit_price;
      if (!useBars && exit.price === null) exit.price = t.exit_price;
    }
  }
  const xs = [...points.keys()].sort((a, b) => a - b);
  const none = () => null;
  el.dataset.source = useBars ? 'bars' : 'trades';
  return lineChart(el, {
    x: xs, yLabel: 'price', height: 260,
    series: [
      { label: useBars ? 'close' : 'traded price', color: useBars ? '#1f5fbf' : '#8a94a6', spanGaps: true,
        values: xs.map((k) => points.get(k).price) },
      { label: '▲ entry', color: ENTRY_COLOR, width: 3, paths: none, values: xs.map((k) => points.get(k).entry) },
      { label: '▼ exit', color: EXIT_COLOR, width: 3, paths: none, values: xs.map((k) => points.get(k).exit) },
    ],
    hooks: { draw: [(u) => { drawMarkers(u, 3, false, EXIT_COLOR); drawMarkers(u, 2, true, ENTRY_COLOR); }] },
  });
}
