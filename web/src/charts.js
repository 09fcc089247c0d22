// Charts with uPlot (canvas, time series): equity, drawdown, trades on the price, and the
// engines' latency sparklines. Times are seconds since the epoch (uPlot's default x scale).
import uPlot from './vendor/uPlot.esm.js';

function width(el) { return Math.max(280, Math.floor(el.getBoundingClientRect().width || 600)); }

// Draws into `el` (emptied first) and redraws on resize; returns the uPlot instance.
export function lineChart(el, { x, series, height = 220, yLabel = '' }) {
  el.replaceChildren();
  const opts = {
    width: width(el), height,
    scales: { x: { time: true } },
    axes: [{}, { label: yLabel, size: 70 }],
    series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.color, width: s.width ?? 1.5,
      fill: s.fill, points: s.points ?? { show: false }, paths: s.paths, spanGaps: s.spanGaps ?? false })) ],
    legend: { show: true },
  };
  const chart = new uPlot(opts, [x, ...series.map((s) => s.values)], el);
  el.dataset.points = String(x.length);
  const ro = new ResizeObserver(() => chart.setSize({ width: width(el), height }));
  ro.observe(el);
  return chart;
}

// Trades on the price: the close of each bar (`bars`: the points of
// GET /v1/datasets/{id}/bars, possibly OHLC buckets) as a line, with the entry (green) and exit
// (red) of each trade as markers at its time and price. Without bars (null or empty) the line
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
    x: xs, yLabel: 'price', height: 240,
    series: [
      { label: useBars ? 'close' : 'traded price', color: useBars ? '#1f5fbf' : '#8a94a6', spanGaps: true,
        values: xs.map((k) => points.get(k).price) },
      { label: 'entry', color: '#1e7b34', width: 0, paths: none,
        points: { show: true, size: 8, fill: '#1e7b34' }, values: xs.map((k) => points.get(k).entry) },
      { label: 'exit', color: '#b3261e', width: 0, paths: none,
        points: { show: true, size: 8, fill: '#b3261e' }, values: xs.map((k) => points.get(k).exit) },
    ],
  });
}
