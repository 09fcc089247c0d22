// Run detail: the job (status, routing, fallbacks, the spec), live until it ends; then the
// equity and drawdown charts (/equity), the trades on the dataset's close prices
// (/v1/datasets/{id}/bars) and a paged, sortable trades table (/trades), the canonical and
// native metrics with their conventions (/result), headed by the run's key figures, and a
// Monte Carlo study on request (montecarlo.js).
import { api, apiAll, watchJob } from './api.js';
import { session } from './app.js';
import { h, fmtNum, fmtMoney, fmtPct, fmtSeconds, fmtTime, fmtDuration, stateBadge, problemBox, confirmDialog } from './util.js';
import { lineChart, tradesChart, ENTRY_COLOR, EXIT_COLOR } from './charts.js';
import { kpiTiles, metricsTable } from './metrics.js';
import { monteCarloSection } from './montecarlo.js';

const ACTIVE = new Set(['queued', 'running']);
const monteCarloAvailable = () => Boolean(session.openapi?.paths?.['/v1/backtests/{id}/monte-carlo']?.post);
const PAGE = 20;
// [key, label, format]; a column with a format is numeric (right-aligned).
const TRADE_COLUMNS = [
  ['entry_time', 'Entry time'], ['exit_time', 'Exit time'], ['size', 'Size', (v) => fmtNum(v, 4)],
  ['entry_price', 'Entry', (v) => fmtNum(v, 4)], ['exit_price', 'Exit', (v) => fmtNum(v, 4)], ['pnl', 'PnL', fmtMoney],
  ['return_pct', 'Return', fmtPct], ['commission', 'Commission', fmtMoney],
];

function tradesTable(trades) {
  let sortKey = 'entry_time', dir = 1, page = 0;
  const wrap = h('div');
  function draw() {
    const sorted = [...trades].sort((a, b) => (a[sortKey] < b[sortKey] ? -dir : a[sortKey] > b[sortKey] ? dir : 0));
    const pages = Math.max(1, Math.ceil(sorted.length / PAGE));
    page = Math.min(page, pages - 1);
    const shown = sorted.slice(page * PAGE, page * PAGE + PAGE);
    const th = ([key, label, num]) => h('th', { scope: 'col', class: num ? 'num' : '', 'aria-sort': key === sortKey ? (dir > 0 ? 'ascending' : 'descending') : 'none' },
      h('button', { type: 'button', 'data-sort': key, onclick: () => { dir = key === sortKey ? -dir : 1; sortKey = key; draw(); wrap.querySelector(`[data-sort="${key}"]`).focus(); } },
        label, key === sortKey ? (dir > 0 ? ' ▲' : ' ▼') : ''));
    const prev = h('button', { type: 'button', class: 'secondary', disabled: page === 0, onclick: () => { page -= 1; draw(); } }, 'Previous');
    const next = h('button', { type: 'button', class: 'secondary', disabled: page >= pages - 1, onclick: () => { page += 1; draw(); } }, 'Next');
    wrap.replaceChildren(
      h('div', { class: 'table-wrap' }, h('table', { class: 'responsive', id: 'trades' },
        h('thead', {}, h('tr', {}, TRADE_COLUMNS.map(th))),
        h('tbody', {}, shown.map((t) => h('tr', { 'data-entry-bar': t.entry_bar },
          TRADE_COLUMNS.map(([key, label, format]) => h('td', { class: format ? 'num' : '', 'data-label': label },
            format ? format(t[key]) : fmtTime(t[key])))))))),
      h('div', { class: 'pager' }, prev, h('span', {}, `page ${page + 1} of ${pages} (${trades.length} trades)`), next));
  }
  draw();
  return wrap;
}

// The dataset's bars over the equity's time range, at most 2000 points:
// {points, step, bars}, or {error} when they cannot be loaded (the chart falls back to the
// traded prices).
async function loadBars(dataset, equity) {
  if (!dataset) return { error: 'the spec names no dataset' };
  const range = equity.length ? `&from=${encodeURIComponent(equity[0].time)}&to=${encodeURIComponent(equity[equity.length - 1].time)}` : '';
  try {
    const answer = await api(`/v1/datasets/${encodeURIComponent(dataset)}/bars?max_points=2000${range}`);
    if (!answer.points?.length) return { error: 'no bars in the run\'s time range' };
    return { points: answer.points, step: answer.step, bars: answer.bars };
  } catch (e) {
    return { error: e.message || String(e) };
  }
}

export async function runPage(main, id) {
  let job = await api(`/v1/backtests/${encodeURIComponent(id)}`);
  const kpis = h('div');
  const head = h('div');
  const body = h('div');
  const status = h('div', { 'aria-live': 'polite' });
  const logLines = h('pre', { id: 'logs', class: 'log', tabindex: 0, 'aria-label': 'run log' });
  const logsCard = h('section', { class: 'card' }, h('h2', {}, 'Logs'),
    h('p', { class: 'reason' }, 'What btrouter did with the run (routing, fallbacks, reconciling) and the engine\'s own lines.'), logLines);
  main.replaceChildren(h('p', {}, h('a', { href: '/dashboard/runs' }, '← Runs')), h('h1', {}, `Run ${id}`), status, kpis, head, body, logsCard);
  let close = null, stopped = false, loaded = false;

  function drawHead() {
    head.replaceChildren(h('section', { class: 'card' },
      h('dl', { class: 'kv' },
        h('dt', {}, 'status'), h('dd', { id: 'run-status' }, stateBadge(job.status), ' ', job.phase && job.phase !== job.status ? job.phase : ''),
        h('dt', {}, 'progress'), h('dd', {}, h('progress', { max: 1, value: job.progress ?? 0, 'aria-label': 'progress' }), ` ${Math.round((job.progress ?? 0) * 100)} %`),
        h('dt', {}, 'engine requested / used'), h('dd', {}, `${job.engine_requested ?? '—'} / ${job.engine_used ?? '—'}`),
        h('dt', {}, 'fallbacks'), h('dd', {}, (job.fallbacks || []).length ? h('ul', {}, job.fallbacks.map((f) => h('li', {}, `${f.from} → ${f.to}: ${f.reason}`))) : 'none'),
        h('dt', {}, 'created'), h('dd', {}, fmtTime(job.created_at)),
        h('dt', {}, 'duration'), h('dd', {}, job.started_at ? fmtDuration(job.started_at, job.finished_at) : '—'),
        job.error ? h('dt', {}, 'error') : null, job.error ? h('dd', { class: 'error-text' }, job.error.message || JSON.stringify(job.error)) : null),
      ACTIVE.has(job.status) ? h('div', { class: 'actions' }, h('button', { type: 'button', class: 'secondary', onclick: async () => {
        if (!(await confirmDialog(`Cancel ${id}?`, 'The job stops; a running engine is asked to cancel.', 'Cancel job'))) return;
        try { await api(`/v1/backtests/${encodeURIComponent(id)}/cancel`, { method: 'POST' }); } catch (e) { status.replaceChildren(problemBox(e)); }
      } }, 'Cancel')) : null,
      h('h2', {}, 'Spec'), h('pre', { id: 'spec' }, JSON.stringify(job.spec, null, 2))));
  }

  async function loadResult() {
    if (loaded || job.status !== 'succeeded') return;
    loaded = true;
    const [result, equity, trades] = await Promise.all([
      api(`/v1/backtests/${encodeURIComponent(id)}/result`),
      apiAll(`/v1/backtests/${encodeURIComponent(id)}/equity`),
      apiAll(`/v1/backtests/${encodeURIComponent(id)}/trades`),
    ]);
    const bars = await loadBars(job.spec?.dataset, equity);
    if (stopped) return;
    kpis.replaceChildren(kpiTiles('kpis', result.metrics));
    const x = equity.map((p) => Date.parse(p.time) / 1000);
    const equityEl = h('div', { class: 'chart', id: 'equity-chart', role: 'img', 'aria-label': 'equity curve' });
    const ddEl = h('div', { class: 'chart', id: 'drawdown-chart', role: 'img', 'aria-label': 'drawdown' });
    const priceEl = h('div', { class: 'chart', id: 'price-chart', role: 'img', 'aria-label': 'trades on price' });
    body.replaceChildren(
      h('section', { class: 'card' }, h('h2', {}, 'Equity'), equityEl, h('h2', {}, 'Drawdown'), ddEl),
      h('section', { class: 'card' }, h('h2', {}, 'Trades on price'),
        h('p', { class: 'reason', id: 'price-caption' }, bars.points
          ? `Close of the dataset's bars${bars.step > 1 ? ` (one point per ${bars.step} bars, ${fmtNum(bars.bars, 0)} in all)` : ''}, with each trade's entry and exit at its time and price.`
          : `Each trade's entry and exit price; the dataset's bars could not be loaded (${bars.error}), so the line joins the traded prices.`),
        h('p', { class: 'chart-legend', id: 'price-legend' },
          h('span', { style: `color:${ENTRY_COLOR}` }, '▲'), ' entry (below the price it points at)   ',
          h('span', { style: `color:${EXIT_COLOR}` }, '▼'), ' exit (above it)'),
        priceEl, h('h2', {}, `Trades (${trades.length})`), tradesTable(trades)),
      h('section', { class: 'card' }, h('h2', {}, 'Canonical metrics'),
        h('p', { class: 'reason' }, 'Recomputed by btrouter from the run\'s equity and trades, the same way for every engine. Hover a name for its key, a value for its exact number.'),
        metricsTable('metrics', result.metrics),
        h('h2', {}, 'Conventions'), h('div', { id: 'conventions' },
          Object.entries(result.conventions || { canonical: result.metrics?.conventions }).map(([k, v]) =>
            h('div', {}, h('h3', {}, k === 'canonical' ? 'btrouter (canonical)' : k === 'engine' ? `Engine (${result.engine ?? job.engine_used})` : k),
              metricsTable(`conventions-${k}`, v)))),
        h('h2', {}, `The engine's own numbers (${result.engine ?? job.engine_used})`),
        Object.keys(result.native?.metrics || {}).length
          ? metricsTable('native-metrics', result.native.metrics)
          : h('p', { class: 'reason' }, 'The engine reports no numbers beyond the canonical ones.'),
        h('details', {}, h('summary', {}, 'Raw output'), h('pre', { id: 'native' }, JSON.stringify(result.native, null, 2))),
        h('p', { class: 'reason' }, `engine ${result.engine ?? ''} ${result.engine_version ?? ''}; ran in ${fmtSeconds(result.run_seconds)}; warm-up ${fmtNum(result.warmup_bars, 0)} bars; ${(result.open_trades || []).length} open trades`)),
      monteCarloAvailable() ? monteCarloSection(id) : null);
    requestAnimationFrame(() => {
      lineChart(equityEl, { x, yLabel: 'equity', series: [{ label: 'equity', color: '#1f5fbf', values: equity.map((p) => p.equity) }] });
      lineChart(ddEl, { x, yLabel: 'drawdown', height: 160, series: [{ label: 'drawdown', color: '#b3261e', fill: 'rgba(179,38,30,.15)', values: equity.map((p) => -p.drawdown) }] });
      tradesChart(priceEl, trades, bars.points);
    });
  }

  // Without the WebSocket (disabled, unreachable, or closed early): long-poll the job.
  const longPoll = () => (async () => {
    while (!stopped && ACTIVE.has(job.status)) {
      job = await api(`/v1/backtests/${encodeURIComponent(id)}?wait=10`);
      if (!stopped) drawHead();
    }
    if (!stopped) await loadResult();
  })().catch((e) => status.replaceChildren(problemBox(e)));

  // The log: read after the last seq seen, every second while the run is active, once more after.
  let logAfter = 0;
  const followLogs = () => (async () => {
    for (;;) {
      const ended = !ACTIVE.has(job.status);
      const page = await api(`/v1/backtests/${encodeURIComponent(id)}/logs?limit=1000&after=${logAfter}`);
      if (stopped) return;
      for (const line of page.items) {
        logLines.append(h('span', { class: `log-${line.level}` }, `${fmtTime(line.time)}  ${line.source}: ${line.message}\n`));
      }
      const more = page.next_after !== logAfter;
      logAfter = page.next_after;
      if (ended && !more) return;
      if (!more) await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  })().catch((e) => status.replaceChildren(problemBox(e)));

  drawHead();
  followLogs();
  if (ACTIVE.has(job.status)) {
    close = watchJob(session.wsPort, id, (j) => {
      job = j;
      drawHead();
      if (!ACTIVE.has(j.status)) loadResult().catch((e) => status.replaceChildren(problemBox(e)));
    }, () => { close = null; if (!stopped && ACTIVE.has(job.status)) longPoll(); });
    if (!close) longPoll();
  } else {
    await loadResult();
  }
  return () => { stopped = true; if (close) close(); };
}
