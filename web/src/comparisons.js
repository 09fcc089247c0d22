// Comparisons: the list (GET /v1/comparisons) and a comparison's report
// (/v1/comparisons/{id}/report.html, fetched with the key and shown in a sandboxed frame).
// Whether this server has comparisons is read from its OpenAPI document (/openapi.json).
import { api } from './api.js';
import { navigate, session } from './app.js';
import { h, fmtTime, stateBadge, problemBox } from './util.js';

export async function comparisonsPage(main, id) {
  const paths = session.openapi?.paths || {};
  const canList = Boolean(paths['/v1/comparisons']?.get);
  const canView = Boolean(paths['/v1/comparisons/{id}/report.html']?.get);
  if (!canList && !canView) {
    main.replaceChildren(h('h1', {}, 'Comparisons'),
      h('p', { class: 'notice', id: 'comparisons-unavailable' }, 'Comparison reports are not available on this server (its API has no /v1/comparisons).'));
    return () => {};
  }
  if (id) {
    // Sandboxed (no scripts, an opaque origin): the report cannot reach the key in this tab.
    const frame = h('iframe', { class: 'report', title: `comparison report ${id}`, sandbox: '' });
    main.replaceChildren(h('p', {}, h('a', { href: '/dashboard/comparisons' }, '← Comparisons')), h('h1', {}, `Comparison ${id}`), frame);
    try {
      const html = await api(`/v1/comparisons/${encodeURIComponent(id)}/report.html`, { raw: true });
      const url = URL.createObjectURL(new Blob([html], { type: 'text/html' }));
      // The frame gets the report without scripts (parsing with DOMParser runs none).
      const doc = new DOMParser().parseFromString(html, 'text/html');
      for (const script of doc.querySelectorAll('script')) script.remove();
      const staticUrl = URL.createObjectURL(new Blob([`<!doctype html>${doc.documentElement.outerHTML}`], { type: 'text/html' }));
      frame.src = staticUrl;
      // The frame shows the report without its scripts (this page's CSP and the sandbox); the
      // downloaded file, opened from disk, is the full report.
      frame.before(h('p', { class: 'actions' },
        h('a', { class: 'button', href: url, download: `${id}.html` }, 'Download the report (with its charts)')));
      return () => { URL.revokeObjectURL(url); URL.revokeObjectURL(staticUrl); };
    } catch (e) { main.append(problemBox(e)); return () => {}; }
  }
  const open = h('form', { class: 'filters', onsubmit: (ev) => {
    ev.preventDefault();
    const value = ev.target.elements['comparison-id'].value.trim();
    if (value) navigate(`/dashboard/comparisons/${encodeURIComponent(value)}`);
  } }, h('div', {}, h('label', { for: 'comparison-id' }, 'Comparison id'), h('input', { id: 'comparison-id', name: 'comparison-id', required: true })),
  h('button', { type: 'submit' }, 'Open report'));
  if (!canList) {
    main.replaceChildren(h('h1', {}, 'Comparisons'),
      h('p', { class: 'notice', id: 'comparisons-unlisted' }, 'This server does not list comparisons (its API has no GET /v1/comparisons); open one by its id (from POST /v1/comparisons or `btrouter compare`).'),
      ...(canView ? [open] : []));
    return () => {};
  }
  const list = await api('/v1/comparisons');
  const items = list.items || list;
  main.replaceChildren(h('h1', {}, 'Comparisons'), ...(canView ? [open] : []),
    items.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'responsive', id: 'comparisons' },
      h('thead', {}, h('tr', {}, ['Comparison', 'Status', 'Runs', 'Created'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, items.map((c) => h('tr', {},
        h('td', { 'data-label': 'Comparison' }, h('a', { href: `/dashboard/comparisons/${encodeURIComponent(c.id)}` }, c.id)),
        h('td', { 'data-label': 'Status' }, c.status ? stateBadge(c.status) : '—'),
        h('td', { 'data-label': 'Runs' }, String((c.runs || c.backtests || c.jobs || []).length || '—')),
        h('td', { 'data-label': 'Created' }, fmtTime(c.created_at)))))))
      : h('p', { class: 'notice' }, 'No comparisons yet (create one with POST /v1/comparisons or `btrouter compare`).'));
  return () => {};
}
