// Runs page: GET /v1/backtests (newest first, filters by status and engine, "Load more" for the
// next page), refreshed every few seconds; queued and running jobs get live progress bars from
// the progress WebSocket (one socket per active job, closed when it ends); cancel for active jobs.
import { api, watchJob } from './api.js';
import { session } from './app.js';
import { h, fmtDuration, fmtTime, stateBadge, problemBox, confirmDialog } from './util.js';

const ACTIVE = new Set(['queued', 'running']);

export async function runsPage(main) {
  const params = new URLSearchParams(location.search);
  const statusSel = h('select', { id: 'filter-status', name: 'status' },
    ['', 'queued', 'running', 'succeeded', 'failed', 'cancelled'].map((s) => h('option', { value: s, selected: params.get('status') === s }, s || 'any')));
  const engineSel = h('select', { id: 'filter-engine', name: 'engine' }, h('option', { value: '' }, 'any'));
  try {
    for (const e of await api('/v1/engines')) engineSel.append(h('option', { value: e.name, selected: params.get('engine') === e.name }, e.name));
  } catch (_) { /* the filter still works by typing the URL */ }
  const status = h('div', { 'aria-live': 'polite' });
  const tbody = h('tbody');
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Load more');
  main.replaceChildren(
    h('h1', {}, 'Runs'),
    h('form', { class: 'filters', onsubmit: (ev) => ev.preventDefault() },
      h('div', {}, h('label', { for: 'filter-status' }, 'Status'), statusSel),
      h('div', {}, h('label', { for: 'filter-engine' }, 'Engine'), engineSel),
      h('a', { href: '/dashboard/new', class: 'button' }, 'New run')),
    status,
    h('div', { class: 'table-wrap' }, h('table', { class: 'responsive', id: 'runs' },
      h('thead', {}, h('tr', {}, ['Run', 'Status', 'Progress', 'Strategy', 'Engine requested', 'Engine used', 'Fallbacks', 'Created', 'Duration', ''].map((c) => h('th', { scope: 'col' }, c)))),
      tbody)),
    h('div', { class: 'pager' }, more));

  const sockets = new Map();  // id -> close()
  const rows = new Map();     // id -> {tr, job}
  let cursor = null, extra = [], stopped = false, socketsFail = false;

  function query(withCursor) {
    const q = new URLSearchParams();
    if (statusSel.value) q.set('status', statusSel.value);
    if (engineSel.value) q.set('engine', engineSel.value);
    q.set('limit', '25');
    if (withCursor) q.set('cursor', withCursor);
    return `/v1/backtests?${q}`;
  }

  async function cancel(job) {
    if (!(await confirmDialog(`Cancel ${job.id}?`, 'The job stops; a running engine is asked to cancel.', 'Cancel job'))) return;
    try {
      await api(`/v1/backtests/${encodeURIComponent(job.id)}/cancel`, { method: 'POST' });
    } catch (e) { status.replaceChildren(problemBox(e)); }
    refresh();
  }

  function row(job) {
    const td = (label, ...c) => h('td', { 'data-label': label }, ...c);
    const fallbacks = job.fallbacks || [];
    return h('tr', { 'data-id': job.id, 'data-status': job.status, class: job.id === params.get('highlight') ? 'highlight' : null },
      td('Run', h('a', { href: `/dashboard/runs/${encodeURIComponent(job.id)}` }, job.id)),
      td('Status', stateBadge(job.status), job.phase && job.phase !== job.status ? h('div', { class: 'reason' }, job.phase) : null,
        job.error ? h('div', { class: 'reason' }, job.error.message || job.error.detail || JSON.stringify(job.error)) : null),
      td('Progress', h('progress', { max: 1, value: job.progress ?? 0, 'aria-label': `progress of ${job.id}` }), ` ${Math.round((job.progress ?? 0) * 100)} %`),
      td('Strategy', job.spec?.strategy?.name ?? (job.spec?.algorithm ? `own ${job.spec.algorithm.language} code` : '—')),
      td('Engine requested', job.engine_requested ?? '—'),
      td('Engine used', job.engine_used ?? '—'),
      td('Fallbacks', fallbacks.length ? h('span', { title: fallbacks.map((f) => `${f.from} → ${f.to}: ${f.reason}`).join('\n') }, fallbacks.map((f) => `${f.from}→${f.to}`).join(', ')) : '—'),
      td('Created', fmtTime(job.created_at)),
      td('Duration', job.started_at ? fmtDuration(job.started_at, job.finished_at) : '—'),
      td('', ACTIVE.has(job.status) ? h('button', { type: 'button', class: 'secondary', onclick: () => cancel(job), 'aria-label': `cancel ${job.id}` }, 'Cancel') : null));
  }

  function update(job) {
    const old = rows.get(job.id);
    if (old && Date.parse(old.job.updated_at) > Date.parse(job.updated_at)) return;
    const tr = row(job);
    if (old) old.tr.replaceWith(tr); else tbody.append(tr);
    rows.set(job.id, { tr, job });
    if (ACTIVE.has(job.status) && !sockets.has(job.id) && !socketsFail) {
      const close = watchJob(session.wsPort, job.id, update, (heard) => {
        sockets.delete(job.id);
        // A socket that never connected: the list's refresh keeps the rows current instead.
        if (!heard) socketsFail = true;
      });
      if (close) sockets.set(job.id, close);
    }
  }

  async function refresh() {
    try {
      const page = await api(query(null));
      if (stopped) return;
      // Keep the keyboard focus on the same row's link or button across a refresh.
      const focused = tbody.contains(document.activeElement) ? document.activeElement : null;
      const focusKey = focused ? [focused.closest('tr')?.dataset.id, focused.tagName] : null;
      const ids = new Set(page.items.map((j) => j.id).concat(extra.map((j) => j.id)));
      for (const [id, r] of rows) if (!ids.has(id)) { r.tr.remove(); rows.delete(id); }
      tbody.replaceChildren();
      for (const job of [...page.items, ...extra]) { rows.delete(job.id); update(job); }
      if (!extra.length) cursor = page.next_cursor;
      more.hidden = !cursor;
      if (!rows.size) tbody.replaceChildren(h('tr', {}, h('td', { colspan: 10 }, 'No runs match.')));
      if (focusKey) rows.get(focusKey[0])?.tr.querySelector(focusKey[1].toLowerCase())?.focus();
    } catch (e) { status.replaceChildren(problemBox(e)); }
  }
  more.addEventListener('click', async () => {
    const page = await api(query(cursor));
    extra.push(...page.items);
    cursor = page.next_cursor;
    for (const job of page.items) update(job);
    more.hidden = !cursor;
  });
  const onFilter = () => {
    const q = new URLSearchParams();
    if (statusSel.value) q.set('status', statusSel.value);
    if (engineSel.value) q.set('engine', engineSel.value);
    history.replaceState(null, '', `/dashboard/runs${q.toString() ? `?${q}` : ''}`);
    extra = []; cursor = null; refresh();
  };
  statusSel.addEventListener('change', onFilter);
  engineSel.addEventListener('change', onFilter);
  await refresh();
  const timer = setInterval(refresh, 3000);
  return () => { stopped = true; clearInterval(timer); for (const close of sockets.values()) close(); };
}
