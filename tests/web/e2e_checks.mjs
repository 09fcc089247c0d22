// Checks of what the dashboard draws, for dashboard_e2e.mjs: what the canvas of the price chart
// shows around a trade's entry and exit, the key figures against the API's metrics, and whether
// the comparison report's frame shows the whole report.
import assert from 'node:assert/strict';

// On the price chart (#price-chart, its uPlot instance as el.chart), at a time where one trade
// exits and the next enters at the same price, whether the entry's colour is seen below the
// point and the exit's above it. Picks the time whose markers have the most room around them.
export async function markersAtSharedPoint(page, entryRgb, exitRgb) {
  return page.evaluate(([entryColor, exitColor]) => {
    const u = document.querySelector('#price-chart').chart;
    const [xs, , entries, exits] = u.data;
    const marked = xs.map((x, i) => (entries[i] !== null || exits[i] !== null ? u.valToPos(x, 'x', true) : null));
    let best = -1, room = -1;
    for (let i = 0; i < xs.length; ++i) {
      if (entries[i] === null || exits[i] === null || entries[i] !== exits[i]) continue;
      const nearest = Math.min(...marked.map((x, j) => (x === null || j === i ? Infinity : Math.abs(x - marked[i]))));
      if (nearest > room) { room = nearest; best = i; }
    }
    if (best < 0) return { found: false };
    const x = Math.round(marked[best]), y = u.valToPos(entries[best], 'y', true);
    const near = (rgb, dy) => {
      const p = u.ctx.getImageData(x, Math.round(y + dy * devicePixelRatio), 1, 1).data;
      return p[3] > 200 && rgb.every((c, k) => Math.abs(p[k] - c) < 40);
    };
    return { found: true, time: xs[best], entryBelow: near(entryColor, 8), exitAbove: near(exitColor, -8) };
  }, [entryRgb, exitRgb]);
}

// The run's key figures (#kpis) against GET /v1/backtests/{id}/result's metrics.
export async function checkKpis(page, metrics) {
  const kpi = async (key) => (await page.textContent(`#kpis .kpi[data-key="${key}"] .kpi-value`)).trim();
  assert.equal(await page.locator('#kpis .kpi').count(), 8);
  const percent = (text) => Number(text.replace(/[ ,%]/g, ''));
  for (const key of ['total_return', 'cagr', 'max_drawdown', 'win_rate']) {
    const text = await kpi(key);
    assert.match(text, /^-?[\d,]+\.\d\d %$/, `${key}: ${text}`);
    assert.ok(Math.abs(percent(text) - metrics[key] * 100) <= 0.005 + 1e-9, `${key}: ${text} vs ${metrics[key]}`);
  }
  assert.match(await kpi('sharpe_ratio'), /^-?\d+\.\d{2,3}$/);
  assert.ok(Math.abs(Number(await kpi('sharpe_ratio')) - metrics.sharpe_ratio) < 0.006);
  assert.equal(await kpi('num_trades'), String(metrics.num_trades));
  const equity = await kpi('equity_final');
  assert.match(equity, /^\d{1,3}(,\d{3})+\.\d\d$/, `final equity ${equity}`);
  assert.ok(Math.abs(Number(equity.replaceAll(',', '')) - metrics.equity_final) <= 0.005 + 1e-9);
  assert.equal(await kpi('duration_s'), `${Math.round(metrics.duration_s / 86400).toLocaleString('en-US')} days`);
}

// The comparison report's frame (iframe.report): its height against its document's, and its
// document's width against the frame's (nothing sticks out sideways).
export async function reportFit(page) {
  await page.waitForFunction(() => {
    const frame = document.querySelector('iframe.report');
    const doc = frame?.contentDocument;
    return doc && doc.readyState === 'complete' && doc.querySelector('#metrics');
  });
  // Two frames: a resize is refitted by a ResizeObserver.
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
  return page.evaluate(() => {
    const frame = document.querySelector('iframe.report');
    const root = frame.contentDocument.documentElement;
    return { frameHeight: frame.clientHeight, docHeight: root.scrollHeight, frameWidth: frame.clientWidth, docWidth: root.scrollWidth };
  });
}
