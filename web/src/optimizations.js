// Optimizations list: GET /v1/optimizations (newest first; a page of jobs may hold few sweeps, so
// it follows next_cursor until it has a screenful), refreshed every 2 s while a sweep is queued or
// running (its progress is the share of trials done), every 5 s otherwise; Cancel for active
// ones. A finished sweep's trial count and best objective come from its report, read once.
import { api } from './api.js';
import { h, fmtCount, fmtDuration, fmtTime, stateBadge, problemBox, confirmDialog } from './util.js';
import { ACTIVE, fmtObjective, gridSize, objectiveText, optimizationHref, optimizationsAvailable } from './sweep.js';

const SCREEN = 25;
// Reports larger than this many grid points are not read for the list (open the sweep instead).
const SUMMARY_POINTS = 20000;
const summaries = new Map();  // id -> {trials, grid, best, metric} of a succeeded sweep

async function listPage(cursor) {
  const items = [];
  let next = cursor;
  for (let pages = 0; pages < 10 && items.length < SCREEN; ++pages) {
    const page = await api(`/v1/optimizations?limit=100${next ? `&cursor=${encodeURIComponent(next)}` : ''}`);
    items.push(...page.items);
    next = page.next_cursor;
    if (!next) break;
  }
  return { items, next };
}

async function summary(job) {
  if (job.status !== 'succeeded' || gridSize(job.spec?.sweep?.space) > SUMMARY_POINTS) return null;
  if (!summaries.has(job.id)) {
    summaries.set(job.id, api(`/v1/optimizations/${encodeURIComponent(job.id)}/report`).then((r) => ({
      trials: r.counts?.trials, grid: r.counts?.grid_points, best: r.best?.objective ?? null,
      metric: r.request?.objective?.metric,
    })).catch(() => null));
  }
  return summaries.get(job.id);
}

function trialsText(job, sum) {
  if (sum) return `${fmtCount(sum.trials)} of ${fmtCount(sum.grid)}`;
  const sweep = job.spec?.sweep || {};
  const grid = gridSize(sweep.space);
  if (!Number.isFinite(grid)) return '—';
  return sweep.method === 'random' && sweep.max_tries ? `${sweep.max_tries} of ${fmtCount(grid)}` : `${fmtCount(grid)} points`;
}

function row(job, sum, onCancel) {
  const td = (label, ...c) => h('td', { 'data-label': label }, ...c);
  const sweep = job.spec?.sweep || {};
  const progress = job.progress ?? 0;
  return h('tr', { 'data-id': job.id, 'data-status': job.status },
    td('Optimization', h('a', { href: optimizationHref(job.id) }, job.id)),
    td('Status', stateBadge(job.status), job.error ? h('div', { class: 'reason' }, job.error.message || JSON.stringify(job.error)) : null),
    td('Progress', h('progress', { max: 1, value: progress, 'aria-label': `progress of ${job.id}` }), ` ${Math.round(progress * 100)} %`),
    td('Strategy', sweep.strategy ?? job.spec?.strategy?.name ?? '—'),
    td('Objective', objectiveText(sweep.objective)),
    td('Trials', trialsText(job, sum)),
    h('td', { 'data-label': 'Best objective', class: 'num', 'data-best': sum?.best ?? '' }, sum ? fmtObjective(sum.metric, sum.best) : '—'),
    td('Created', fmtTime(job.created_at)),
    td('Duration', job.started_at ? fmtDuration(job.started_at, job.finished_at) : '—'),
    td('', ACTIVE.has(job.status) ? h('button', { type: 'button', class: 'secondary', onclick: () => onCancel(job), 'aria-label': `cancel ${job.id}` }, 'Cancel') : null));
}

const COLUMNS = ['Optimization', 'Status', 'Progress', 'Strategy', 'Objective', 'Trials', 'Best objective', 'Created', 'Duration', ''];

export async function optimizationsPage(main) {
  const can = optimizationsAvailable();
  const head = [h('h1', {}, 'Optimizations')];
  if (!can.list) {
    main.replaceChildren(...head, h('p', { class: 'notice', id: 'optimizations-unavailable' }, 'Optimizations are not available on this server (its API has no /v1/optimizations).'));
    return () => {};
  }
  const status = h('div', { 'aria-live': 'polite' });
  const tbody = h('tbody');
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Load more');
  main.replaceChildren(...head,
    h('div', { class: 'filters' }, can.create ? h('a', { href: '/dashboard/optimizations/new', class: 'button', id: 'new-optimization-link' }, 'New optimization') : null),
    status,
    h('div', { class: 'table-wrap' }, h('table', { class: 'responsive', id: 'optimizations' },
      h('thead', {}, h('tr', {}, COLUMNS.map((c) => h('th', { scope: 'col' }, c)))), tbody)),
    h('div', { class: 'pager' }, more));

  let jobs = [], cursor = null, extra = [], stopped = false, timer = null;

  async function cancel(job) {
    if (!(await confirmDialog(`Cancel ${job.id}?`, 'The sweep stops within one trial; no report is kept.', 'Cancel optimization'))) return;
    try { await api(`/v1/optimizations/${encodeURIComponent(job.id)}/cancel`, { method: 'POST' }); } catch (e) { status.replaceChildren(problemBox(e)); }
    refresh();
  }

  async function draw() {
    const all = [...jobs, ...extra.filter((j) => !jobs.some((k) => k.id === j.id))];
    const sums = await Promise.all(all.map(summary));
    if (stopped) return;
    const focusedId = tbody.contains(document.activeElement) ? document.activeElement.closest('tr')?.dataset.id : null;
    tbody.replaceChildren(...(all.length ? all.map((job, k) => row(job, sums[k], cancel)) : [h('tr', {}, h('td', { colspan: COLUMNS.length }, 'No optimizations yet.'))]));
    if (focusedId) tbody.querySelector(`tr[data-id="${CSS.escape(focusedId)}"] a`)?.focus();
  }

  async function refresh() {
    clearTimeout(timer);
    try {
      const page = await listPage(null);
      if (stopped) return;
      jobs = page.items;
      if (!extra.length) cursor = page.next;
      more.hidden = !cursor;
      await draw();
    } catch (e) { status.replaceChildren(problemBox(e)); }
    if (!stopped) timer = setTimeout(refresh, [...jobs, ...extra].some((j) => ACTIVE.has(j.status)) ? 2000 : 5000);
  }
  more.addEventListener('click', async () => {
    try {
      const page = await listPage(cursor);
      extra.push(...page.items);
      cursor = page.next;
      more.hidden = !cursor;
      await draw();
    } catch (e) { status.replaceChildren(problemBox(e)); }
  });
  await refresh();
  return () => { stopped = true; clearTimeout(timer); };
}
