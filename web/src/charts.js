// Charts with uPlot (canvas, time series): equity, drawdown, trades on a price line, and the
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
      fill: s.fill, points: s.points ?? { show: false }, paths: s.paths })) ],
    legend: { show: true },
  };
  const chart = new uPlot(opts, [x, ...series.map((s) => s.values)], el);
  el.dataset.points = String(x.length);
  const ro = new ResizeObserver(() => chart.setSize({ width: width(el), height }));
  ro.observe(el);
  return chart;
}

// Trades on the price: the entry and exit prices of each trade at their times, as a line of
// the traded prices with entry markers (green) and exit markers (red).
export function tradesChart(el, trades) {
  const points = new Map();
  for (const t of trades) {
    const e = Date.parse(t.entry_time) / 1000, x = Date.parse(t.exit_time) / 1000;
    if (!points.has(e)) points.set(e, { price: t.entry_price, entry: null, exit: null });
    points.get(e).entry = t.entry_price;
    if (!Number.isNaN(x)) {
      if (!points.has(x)) points.set(x, { price: t.exit_price, entry: null, exit: null });
      points.get(x).exit = t.exit_price;
    }
  }
  const xs = [...points.keys()].sort((a, b) => a - b);
  const none = () => null;
  return lineChart(el, {
    x: xs, yLabel: 'price', height: 240,
    series: [
      { label: 'traded price', color: '#8a94a6', values: xs.map((k) => points.get(k).price) },
      { label: 'entry', color: '#1e7b34', width: 0, paths: none,
        points: { show: true, size: 8, fill: '#1e7b34' }, values: xs.map((k) => points.get(k).entry) },
      { label: 'exit', color: '#b3261e', width: 0, paths: none,
        points: { show: true, size: 8, fill: '#b3261e' }, values: xs.map((k) => points.get(k).exit) },
    ],
  });
}
