// Engines page: GET /v1/engines and GET /v1/workers every few seconds — state, circuit, last probe, success rate,
// p50/p99 (with a chart of each minute's p50/p99 over the last hour, from the server's per-engine
// history), ejections, queue depth,
// running, capabilities — and the admin actions with a confirmation dialog. For a user key the
// buttons are shown disabled (aria-disabled) but still send the request when confirmed, so the
// server's 403 is what the user sees: the role is enforced by the server, not by the page.
import { api } from './api.js';
import { session } from './app.js';
import { h, fmtNum, fmtPct, fmtTime, stateBadge, problemBox, confirmDialog } from './util.js';
import { lineChart } from './charts.js';

const ACTIONS = {
  drain: 'Running jobs finish; no new job starts on it.',
  resume: 'It takes new jobs again.',
  disable: 'No new jobs and no probes until it is enabled.',
  enable: 'It is probed at once and takes jobs when healthy.',
};

function actionsFor(engine) {
  if (engine.state === 'draining') return ['resume', 'disable'];
  if (engine.state === 'disabled') return ['enable'];
  return ['drain', 'disable'];
}

export async function enginesPage(main) {
  const status = h('div', { 'aria-live': 'polite' });
  const list = h('div', { class: 'engines' });
  const workers = h('section', { class: 'card workers', 'aria-labelledby': 'workers-title' });
  main.replaceChildren(h('h1', {}, 'Engines'),
    ...(session.admin ? [] : [h('p', { class: 'notice' }, 'This is not an admin key: the admin actions are disabled, and the server refuses them (403).')]),
    status, list, workers);
  let stopped = false;

  async function act(engine, action) {
    const warn = session.admin ? '' : ' This key is not an admin key; the server will decide.';
    if (!(await confirmDialog(`${action[0].toUpperCase()}${action.slice(1)} ${engine.name}?`, `${ACTIONS[action]}${warn}`, action))) return;
    try {
      const updated = await api(`/v1/engines/${encodeURIComponent(engine.name)}/${action}`, { method: 'POST' });
      status.replaceChildren(h('p', { class: 'notice' }, `${updated.name}: ${updated.state}${updated.reason ? ` (${updated.reason})` : ''}`));
    } catch (e) {
      status.replaceChildren(problemBox(e));
    }
    await refresh();
  }

  function card(e) {
    const points = (e.history?.points || []).filter((p) => p.p50_ms !== null);
    const chart = h('div', { class: 'chart', 'aria-label': `${e.name} latency p50 and p99 over time`, role: 'img' });
    const el = h('section', { class: 'card engine', 'data-engine': e.name, 'aria-labelledby': `engine-${e.name}` },
      h('h2', { id: `engine-${e.name}` }, e.name, ' ', stateBadge(e.state)),
      e.reason ? h('p', { class: 'reason' }, e.reason) : null,
      e.hint ? h('p', { class: 'notice engine-hint' }, e.hint) : null,
      h('dl', { class: 'kv' },
        h('dt', {}, 'circuit'), h('dd', { 'data-field': 'circuit' }, e.circuit ?? '—'),
        h('dt', {}, 'up'), h('dd', {}, e.up ? 'yes' : 'no'),
        h('dt', {}, 'last probe'), h('dd', {}, e.last_probe ? `${e.last_probe.ok ? 'ok' : 'failed'}, ${fmtNum(e.last_probe.latency_ms, 3)} ms at ${fmtTime(e.last_probe.at)}${e.last_probe.detail ? ` — ${e.last_probe.detail}` : ''}` : 'none yet'),
        h('dt', {}, 'success rate'), h('dd', {}, typeof e.success_rate !== 'number' ? '— (no runs in window)' : `${fmtPct(e.success_rate, 1)} of ${e.window_runs}`),
        h('dt', {}, 'p50 / p99'), h('dd', {}, `${fmtNum(e.p50_ms)} / ${fmtNum(e.p99_ms)} ms`),
        h('dt', {}, 'ejections'), h('dd', {}, `${fmtNum(e.ejections, 0)}${e.ejected_until ? ` (until ${fmtTime(e.ejected_until)})` : ''}`),
        h('dt', {}, 'queue depth'), h('dd', { 'data-field': 'queue_depth' }, fmtNum(e.queue_depth, 0)),
        h('dt', {}, 'running'), h('dd', {}, fmtNum(e.running, 0)),
        h('dt', {}, 'workers'), h('dd', { 'data-field': 'workers' }, fmtNum(e.workers ?? 0, 0)),
        h('dt', {}, 'capabilities'), h('dd', {}, e.capabilities ? `${(e.capabilities.strategies || []).join(', ')}; progress ${e.capabilities.progress ? 'yes' : 'no'}, cancel ${e.capabilities.cancel ? 'yes' : 'no'}, max ${fmtNum(e.capabilities.max_bars, 0)} bars` : '—')),
      points.length > 1 ? chart : h('p', { class: 'reason' }, 'Latency chart: p50/p99 per minute over the last hour, once runs in two minutes have ended.'),
      h('div', { class: 'actions' }, actionsFor(e).map((action) => h('button', {
        type: 'button', class: action === 'disable' ? 'danger' : '', 'data-action': action,
        'aria-disabled': session.admin ? null : 'true',
        title: session.admin ? `${action} ${e.name}` : 'needs an admin key (the server refuses otherwise)',
        onclick: () => act(e, action),
      }, action[0].toUpperCase() + action.slice(1)))));
    if (points.length > 1) {
      requestAnimationFrame(() => lineChart(chart, { x: points.map((p) => Date.parse(p.start) / 1000), height: 120, yLabel: 'ms',
        series: [{ label: 'p50', color: '#1f5fbf', values: points.map((p) => p.p50_ms) }, { label: 'p99', color: '#b3261e', values: points.map((p) => p.p99_ms) }] }));
    }
    return el;
  }

  // The worker processes: the embedded server's own, or every `btrouter worker`.
  function workerTable(items) {
    const rows = items.map((w) => h('tr', { 'data-worker': w.id },
      h('td', {}, w.id), h('td', {}, (w.engines || []).join(', ')),
      h('td', { class: 'num' }, `${fmtNum(w.running, 0)} / ${fmtNum(w.threads, 0)}`),
      h('td', { class: 'num' }, fmtNum(w.finished, 0)), h('td', {}, fmtTime(w.seen_at)), h('td', {}, w.version)));
    return [h('h2', { id: 'workers-title' }, `Workers (${items.length})`),
      h('div', { class: 'table-wrap' }, h('table', { id: 'workers' },
        h('thead', {}, h('tr', {}, ...['worker', 'engines', 'running / threads', 'finished', 'last seen', 'version'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, ...rows)))];
  }

  async function refresh() {
    const [engines, seen] = await Promise.all([api('/v1/engines'), api('/v1/workers').catch(() => ({ items: [] }))]);
    if (stopped) return;
    workers.replaceChildren(...workerTable(seen.items || []));
    // Keep the keyboard focus on the same button across a refresh.
    const focused = document.activeElement && list.contains(document.activeElement) ? document.activeElement : null;
    const key = focused ? [focused.closest('[data-engine]')?.dataset.engine, focused.dataset.action] : null;
    list.replaceChildren(...engines.map(card));
    if (key) list.querySelector(`[data-engine="${key[0]}"] [data-action="${key[1]}"]`)?.focus();
  }
  await refresh();
  const timer = setInterval(() => refresh().catch((e) => status.replaceChildren(problemBox(e))), 5000);
  return () => { stopped = true; clearInterval(timer); };
}
