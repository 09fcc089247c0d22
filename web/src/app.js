// btrouter dashboard: login, and the pages under /dashboard/ (history API; the server answers
// index.html for every page path). Pages render into <main>; each returns a cleanup function.
import { api, apiKey, setApiKey, clearApiKey, ApiError } from './api.js';
import { h, problemBox } from './util.js';
import { enginesPage } from './engines.js';
import { runsPage } from './runs.js';
import { runPage } from './run.js';
import { newRunPage } from './newrun.js';
import { comparisonsPage, comparisonPage } from './comparisons.js';
import { newComparisonPage } from './newcomparison.js';
import { optimizationsPage } from './optimizations.js';
import { optimizationPage } from './optimization.js';
import { newOptimizationPage } from './newoptimization.js';

const BASE = '/dashboard';
// wsPort: the progress WebSocket's port, null for the page's own host and port;
// defaultEngine: the server's engines.default (null when /dashboard/config.json does not say).
export const session = { admin: false, tenant: null, wsPort: null, defaultEngine: null, openapi: null };
let cleanup = null;

export function navigate(path, replace = false) {
  if (replace) history.replaceState(null, '', path); else history.pushState(null, '', path);
  render();
}

async function loadRuntime() {
  try {
    const config = await api(`${BASE}/config.json`, { auth: false });
    session.wsPort = config.ws_port ?? null;
    session.defaultEngine = config.default_engine ?? null;
  } catch (_) { session.wsPort = null; session.defaultEngine = null; }
  try { session.openapi = await api('/openapi.json', { auth: false }); } catch (_) { session.openapi = null; }
}

// The key's tenant and role from GET /v1/whoami (the page only greys out the admin buttons by
// it; the server enforces the role on every admin route). Throws the ApiError (401 for a bad key).
async function loadRole() {
  session.admin = false;
  const me = await api('/v1/whoami');
  session.admin = me.role === 'admin';
  session.tenant = me.tenant;
}

function loginPage(main, message) {
  document.getElementById('nav').hidden = true;
  document.getElementById('who').hidden = true;
  const input = h('input', { id: 'api-key', name: 'api-key', type: 'password', autocomplete: 'off', required: true, size: 40 });
  const status = h('div', { 'aria-live': 'polite' }, message ? problemBox(message) : null);
  const form = h('form', { class: 'card login', onsubmit: async (ev) => {
    ev.preventDefault();
    const key = input.value.trim();
    if (!key) { status.replaceChildren(h('p', { class: 'error-text' }, 'Enter an API key.')); return; }
    setApiKey(key);
    try {
      await loadRole();
      navigate(location.pathname.startsWith(`${BASE}/login`) || location.pathname === `${BASE}/` ? `${BASE}/engines` : location.pathname, true);
    } catch (e) {
      clearApiKey();
      status.replaceChildren(problemBox(e));
    }
  } },
  h('h1', {}, 'Log in'),
  h('p', {}, 'Paste a btrouter API key (', h('code', {}, 'btrouter keys create'), ' or ', h('code', {}, '<data-dir>/admin.key'),
    '). It is kept in this tab’s session storage only and sent as an Authorization header.'),
  h('div', { class: 'field' }, h('label', { for: 'api-key' }, 'API key'), input),
  h('button', { type: 'submit' }, 'Log in'), status);
  main.replaceChildren(form);
  input.focus();
}

async function render() {
  if (cleanup) { cleanup(); cleanup = null; }
  const main = document.getElementById('main');
  const path = location.pathname.replace(/\/+$/, '');
  if (!apiKey()) { loginPage(main); return; }
  document.getElementById('nav').hidden = false;
  document.getElementById('who').hidden = false;
  document.getElementById('role').textContent = `${session.tenant ? `${session.tenant} · ` : ''}${session.admin ? 'admin key' : 'user key'}`;
  const rest = path.startsWith(BASE) ? path.slice(BASE.length) : '';
  const parts = rest.split('/').filter(Boolean);
  const page = parts[0] || 'engines';
  for (const a of document.querySelectorAll('#nav a')) {
    if (a.dataset.page === page) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  main.replaceChildren(h('p', {}, 'Loading…'));
  try {
    if (page === 'engines') cleanup = await enginesPage(main);
    else if (page === 'runs' && parts[1]) cleanup = await runPage(main, decodeURIComponent(parts[1]));
    else if (page === 'runs') cleanup = await runsPage(main);
    else if (page === 'new') cleanup = await newRunPage(main);
    else if (page === 'comparisons' && parts[1] === 'new') cleanup = await newComparisonPage(main);
    else if (page === 'comparisons' && parts[1]) cleanup = await comparisonPage(main, decodeURIComponent(parts[1]));
    else if (page === 'comparisons') cleanup = await comparisonsPage(main);
    else if (page === 'optimizations' && parts[1] === 'new') cleanup = await newOptimizationPage(main);
    else if (page === 'optimizations' && parts[1]) cleanup = await optimizationPage(main, decodeURIComponent(parts[1]));
    else if (page === 'optimizations') cleanup = await optimizationsPage(main);
    else main.replaceChildren(h('h1', {}, 'Not found'), h('p', {}, h('a', { href: `${BASE}/engines` }, 'Engines')));
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) { clearApiKey(); loginPage(main, e); return; }
    main.replaceChildren(problemBox(e));
  }
}

// Links inside the app navigate without reloading.
document.addEventListener('click', (ev) => {
  const a = ev.target.closest('a');
  if (!a || ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || a.target) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || !url.pathname.startsWith(`${BASE}/`)) return;
  ev.preventDefault();
  navigate(url.pathname + url.search);
  document.getElementById('main').focus();
});
window.addEventListener('popstate', render);
document.getElementById('logout').addEventListener('click', () => { clearApiKey(); session.admin = false; session.tenant = null; navigate(`${BASE}/`); });

(async () => {
  await loadRuntime();
  if (apiKey()) { try { await loadRole(); } catch (e) { if (e.status === 401) clearApiKey(); } }
  render();
})();
