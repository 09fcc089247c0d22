// Comparisons: the list (GET /v1/comparisons, with "New comparison" and open-by-id), and one
// comparison's page: its runs with live progress (GET /v1/comparisons/{id}?wait= long-polls
// while it runs), then its report (/v1/comparisons/{id}/report.html, fetched with the key and
// shown without its scripts in a sandboxed frame sized to the report's height, so the page
// scrolls as one). Whether this server has comparisons is read from its /openapi.json.
import { api } from './api.js';
import { navigate, session } from './app.js';
import { h, fmtDuration, fmtTime, stateBadge, problemBox } from './util.js';

function available() {
  const paths = session.openapi?.paths || {};
  return { list: Boolean(paths['/v1/comparisons']?.get), create: Boolean(paths['/v1/comparisons']?.post),
    view: Boolean(paths['/v1/comparisons/{id}']?.get) };
}

const unavailable = () => h('p', { class: 'notice', id: 'comparisons-unavailable' },
  'Comparisons are not available on this server (its API has no /v1/comparisons).');

export async function comparisonsPage(main) {
  const can = available();
  if (!can.list && !can.view) { main.replaceChildren(h('h1', {}, 'Comparisons'), unavailable()); return () => {}; }
  const open = h('form', { class: 'filters', onsubmit: (ev) => {
    ev.preventDefault();
    const value = ev.target.elements['comparison-id'].value.trim();
    if (value) navigate(`/dashboard/comparisons/${encodeURIComponent(value)}`);
  } }, h('div', {}, h('label', { for: 'comparison-id' }, 'Comparison id'), h('input', { id: 'comparison-id', name: 'comparison-id', required: true })),
  h('button', { type: 'submit', class: 'secondary' }, 'Open'),
  can.create ? h('a', { href: '/dashboard/comparisons/new', class: 'button', id: 'new-comparison-link' }, 'New comparison') : null);
  if (!can.list) { main.replaceChildren(h('h1', {}, 'Comparisons'), open); return () => {}; }
  const items = (await api('/v1/comparisons')).items;
  main.replaceChildren(h('h1', {}, 'Comparisons'), open,
    items.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'responsive', id: 'comparisons' },
      h('thead', {}, h('tr', {}, ['Comparison', 'Status', 'Runs', 'Created', 'Took'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, items.map((c) => h('tr', { 'data-id': c.id },
        h('td', { 'data-label': 'Comparison' }, h('a', { href: `/dashboard/comparisons/${encodeURIComponent(c.id)}` }, c.id)),
        h('td', { 'data-label': 'Status' }, stateBadge(c.status)),
        h('td', { 'data-label': 'Runs' }, (c.runs || []).map((r) => r.label).join(', ') || '—'),
        h('td', { 'data-label': 'Created' }, fmtTime(c.created_at)),
        h('td', { 'data-label': 'Took' }, c.finished_at ? fmtDuration(c.created_at, c.finished_at) : '—'))))))
      : h('p', { class: 'notice' }, 'No comparisons yet.'));
  return () => {};
}

function runsTable(view) {
  return h('div', { class: 'table-wrap' }, h('table', { class: 'responsive', id: 'comparison-runs' },
    h('thead', {}, h('tr', {}, ['Run', 'Engine', 'Status', 'Progress', 'Engine used', 'Backtest'].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, view.runs.map((r) => h('tr', { 'data-run': r.label, 'data-status': r.status },
      h('td', { 'data-label': 'Run' }, r.label),
      h('td', { 'data-label': 'Engine' }, r.engine),
      h('td', { 'data-label': 'Status' }, stateBadge(r.status), r.error ? h('div', { class: 'reason' }, r.error.message || JSON.stringify(r.error)) : null),
      h('td', { 'data-label': 'Progress' }, h('progress', { max: 1, value: r.progress ?? 0, 'aria-label': `progress of ${r.label}` }), ` ${Math.round((r.progress ?? 0) * 100)} %`),
      h('td', { 'data-label': 'Engine used' }, r.engine_used ?? '—'),
      h('td', { 'data-label': 'Backtest' }, r.backtest_id ? h('a', { href: `/dashboard/runs/${encodeURIComponent(r.backtest_id)}` }, r.backtest_id) : '—'))))));
}

// Keeps the frame as tall as the report it shows (no scrolling inside it): now, when the frame's
// width changes (the page reflows) and when a <details> in the report opens or closes. The
// frame must be same-origin (sandbox allow-same-origin, no scripts). Returns a stop function.
function fitToContent(frame) {
  const doc = frame.contentDocument;
  if (!doc) return () => {};
  const fit = () => {
    const border = frame.offsetHeight - frame.clientHeight;
    frame.style.height = `${Math.ceil(doc.documentElement.getBoundingClientRect().height) + border}px`;
  };
  fit();
  const observer = new ResizeObserver(fit);
  observer.observe(frame);
  doc.addEventListener('toggle', fit, true);
  return () => observer.disconnect();
}

async function showReport(box, id, view) {
  const html = await api(`/v1/comparisons/${encodeURIComponent(id)}/report.html`, { raw: true });
  const fullUrl = URL.createObjectURL(new Blob([html], { type: 'text/html' }));
  const jsonUrl = URL.createObjectURL(new Blob([JSON.stringify(view.report, null, 2)], { type: 'application/json' }));
  // The frame gets the report without its scripts (parsing with DOMParser runs none; the
  // sandbox allows none): its tables and charts are static HTML and SVG, only the charts' hover
  // read-out needs the script. allow-same-origin lets this page measure the report's height.
  const doc = new DOMParser().parseFromString(html, 'text/html');
  for (const script of doc.querySelectorAll('script')) script.remove();
  const staticUrl = URL.createObjectURL(new Blob([`<!doctype html>${doc.documentElement.outerHTML}`], { type: 'text/html' }));
  const frame = h('iframe', { class: 'report', title: `comparison report ${id}`, sandbox: 'allow-same-origin' });
  let stopFit = () => {};
  frame.addEventListener('load', () => { stopFit(); stopFit = fitToContent(frame); });
  frame.src = staticUrl;
  box.replaceChildren(h('h2', {}, 'Report'),
    h('p', { class: 'actions' },
      h('a', { class: 'button', href: fullUrl, download: `${id}.html` }, 'Download the report (HTML)'),
      h('a', { class: 'button secondary', href: jsonUrl, download: `${id}.json` }, 'Download report.json')),
    frame);
  return () => { stopFit(); for (const url of [fullUrl, jsonUrl, staticUrl]) URL.revokeObjectURL(url); };
}

export async function comparisonPage(main, id) {
  if (!available().view) { main.replaceChildren(h('h1', {}, `Comparison ${id}`), unavailable()); return () => {}; }
  let view = await api(`/v1/comparisons/${encodeURIComponent(id)}`);
  const head = h('div');
  const report = h('div');
  const status = h('div', { 'aria-live': 'polite' });
  main.replaceChildren(h('p', {}, h('a', { href: '/dashboard/comparisons' }, '← Comparisons')), h('h1', {}, `Comparison ${id}`),
    status, head, report);
  let stopped = false, stopReport = () => {};

  function drawHead() {
    head.replaceChildren(h('section', { class: 'card' },
      h('dl', { class: 'kv' },
        h('dt', {}, 'status'), h('dd', { id: 'comparison-status', 'data-status': view.status }, stateBadge(view.status)),
        h('dt', {}, 'created'), h('dd', {}, fmtTime(view.created_at)),
        h('dt', {}, 'took'), h('dd', {}, view.finished_at ? fmtDuration(view.created_at, view.finished_at) : 'running')),
      runsTable(view)));
  }
  drawHead();
  (async () => {
    while (!stopped && view.status === 'running') {
      view = await api(`/v1/comparisons/${encodeURIComponent(id)}?wait=10`);
      if (!stopped) drawHead();
    }
    if (!stopped) stopReport = await showReport(report, id, view);
    if (stopped) stopReport();
  })().catch((e) => status.replaceChildren(problemBox(e)));
  return () => { stopped = true; stopReport(); };
}
