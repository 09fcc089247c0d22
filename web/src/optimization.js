// One optimization: its status and progress (GET /v1/optimizations/{id}?wait= long-polls while it
// is queued or running; Cancel), then its report (GET .../report): the best parameters and key
// figures, the heatmap, the overfitting statistics, the top trials, the walk-forward when it has
// one, and downloads of the report (JSON) and every trial (trials.csv), both fetched with the key.
import { api } from './api.js';
import { h, fmtDuration, fmtTime, stateBadge, problemBox, confirmDialog, saveText } from './util.js';
import { ACTIVE, objectiveText, optimizationsAvailable } from './sweep.js';
import { heatmapView } from './heatmap.js';
import { statsView } from './optstats.js';
import { bestView, sweptNames, topTrialsTable } from './opttrials.js';
import { walkForwardView } from './walkforward.js';

const path = (id, rest = '') => `/v1/optimizations/${encodeURIComponent(id)}${rest}`;

function headCard(job, onCancel) {
  const sweep = job.spec?.sweep || {};
  const progress = job.progress ?? 0;
  return h('section', { class: 'card' },
    h('dl', { class: 'kv' },
      h('dt', {}, 'status'), h('dd', { id: 'opt-status', 'data-status': job.status }, stateBadge(job.status)),
      h('dt', {}, 'progress'), h('dd', {}, h('progress', { id: 'opt-progress', max: 1, value: progress, 'aria-label': 'share of trials done' }), ` ${Math.round(progress * 100)} %`),
      h('dt', {}, 'strategy'), h('dd', {}, sweep.strategy ?? '—'),
      h('dt', {}, 'objective'), h('dd', {}, objectiveText(sweep.objective)),
      h('dt', {}, 'dataset'), h('dd', {}, job.spec?.dataset ?? '—'),
      h('dt', {}, 'created'), h('dd', {}, fmtTime(job.created_at)),
      h('dt', {}, 'duration'), h('dd', {}, job.started_at ? fmtDuration(job.started_at, job.finished_at) : '—'),
      job.error ? h('dt', {}, 'error') : null, job.error ? h('dd', { class: 'error-text', id: 'opt-error' }, job.error.message || JSON.stringify(job.error)) : null),
    ACTIVE.has(job.status) ? h('div', { class: 'actions' }, h('button', { type: 'button', class: 'secondary', id: 'cancel-optimization', onclick: onCancel }, 'Cancel')) : null,
    h('details', {}, h('summary', {}, 'Request'), h('pre', { id: 'opt-request' }, JSON.stringify(sweep, null, 2))));
}

// Fetches `rest` of the optimization with the key and saves it as a file.
function downloadButton(id, label, rest, type, filename, status) {
  return h('button', { type: 'button', class: 'secondary', id: `download-${filename.split('.').pop()}`, onclick: async () => {
    try { saveText(await api(path(id, rest), { raw: true }), type, filename); } catch (e) { status.replaceChildren(problemBox(e)); }
  } }, label);
}

function reportView(id, report, status) {
  const heat = h('div', { id: 'heatmap-box' });
  const swept = sweptNames(report);
  const sections = [
    h('section', { class: 'card' }, h('h2', {}, 'Best parameters'), bestView(report),
      h('div', { class: 'actions' },
        downloadButton(id, 'Download JSON', '/report', 'application/json', `${id}-report.json`, status),
        downloadButton(id, 'Download CSV', '/trials.csv', 'text/csv', `${id}-trials.csv`, status))),
    h('section', { class: 'card' }, h('h2', {}, swept.length > 1 ? 'Heatmap' : 'Objective by parameter'), heat),
    h('section', { class: 'card' }, h('h2', {}, 'Overfitting statistics'),
      h('p', { class: 'reason' }, 'How much of the best result may be selection luck (docs/optimization.md).'), statsView(report)),
    h('section', { class: 'card' }, h('h2', {}, `Top ${(report.top || []).length} trials`), topTrialsTable(report)),
    walkForwardView(report, swept),
  ];
  return { sections, draw: () => heatmapView(heat, report) };
}

export async function optimizationPage(main, id) {
  if (!optimizationsAvailable().view) {
    main.replaceChildren(h('h1', {}, `Optimization ${id}`), h('p', { class: 'notice' }, 'Optimizations are not available on this server.'));
    return () => {};
  }
  let job = await api(path(id));
  const status = h('div', { 'aria-live': 'polite' });
  const head = h('div');
  const body = h('div', { id: 'opt-report' });
  main.replaceChildren(h('p', {}, h('a', { href: '/dashboard/optimizations' }, '← Optimizations')), h('h1', {}, `Optimization ${id}`), status, head, body);
  let stopped = false;

  async function cancel() {
    if (!(await confirmDialog(`Cancel ${id}?`, 'The sweep stops within one trial; no report is kept.', 'Cancel optimization'))) return;
    try { job = await api(path(id, '/cancel'), { method: 'POST' }); drawHead(); } catch (e) { status.replaceChildren(problemBox(e)); }
  }
  const drawHead = () => head.replaceChildren(headCard(job, cancel));
  drawHead();

  (async () => {
    while (!stopped && ACTIVE.has(job.status)) {
      job = await api(path(id, '?wait=10'));
      if (!stopped) drawHead();
    }
    if (stopped || job.status !== 'succeeded') return;
    const report = await api(path(id, '/report'));
    if (stopped) return;
    const view = reportView(id, report, status);
    body.replaceChildren(...view.sections.filter(Boolean));
    requestAnimationFrame(view.draw);
  })().catch((e) => status.replaceChildren(problemBox(e)));
  return () => { stopped = true; };
}
