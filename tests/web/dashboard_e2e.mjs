// The dashboard's end-to-end test, run by tests/web/run against a real `btrouter serve`: drives
// headless Chromium with playwright-core (web/node_modules) through the operator's workflow —
// log in (no page links before), see the engines, upload GOOG.csv and submit a backtest from the
// form (on the server's default engine), watch its progress bar reach done, open its detail (key
// figures and metrics formatted for people, equity chart drawn with the API's points, entries and
// exits both seen on the dataset's bars, trades table rows matching the API), drain and resume
// the native engine as admin, create a comparison from its form and read its whole report, run
// optimizations from their form and read their pages, and Monte Carlo on the run
// (e2e_optimizations.mjs), log out, and fail to drain as a non-admin with the server's 403 shown. Any console error or page
// error fails the test, except the failures it provokes on purpose (noted below).
// Screenshots of every page go to
// BTR_ARTIFACTS_DIR. Exit 77 when Chromium cannot start (tests/web/run decides skip or fail).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { checkKpis, markersAtSharedPoint, reportFit } from './e2e_checks.mjs';
import { monteCarloChecks, optimizationChecks } from './e2e_optimizations.mjs';

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`dashboard_e2e: ${name} is not set (run tests/web/run)`);
  return v;
};
const base = env('BTR_URL');
const adminKey = env('BTR_ADMIN_KEY');
const csv = env('BTR_CSV');
const bigCsv = env('BTR_BIG_CSV');
const artifacts = env('BTR_ARTIFACTS_DIR');
const require = createRequire(join(env('BTR_WEB_DIR'), 'package.json'));
const { chromium } = require('playwright-core');

async function apiCall(path, key, init = {}) {
  const res = await fetch(base + path, { ...init, headers: { Authorization: `Bearer ${key}`, ...(init.headers || {}) } });
  const body = await res.json();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

let browser;
try {
  browser = await chromium.launch({ executablePath: env('BTR_CHROMIUM'), headless: true, args: ['--disable-gpu', '--disable-dev-shm-usage'] });
} catch (e) {
  console.error(`dashboard_e2e: chromium could not start: ${e.message.split('\n')[0]}`);
  process.exit(77);
}

const errors = [];
// Failed requests the test provokes on purpose ([status, URL suffix]); Chromium logs every 4xx
// answer as a console error, and every other one fails the test.
let expectedFailures = [];
const expectFailures = (list) => { expectedFailures = list; };
function watch(page, who) {
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const url = msg.location()?.url || '';
    if (expectedFailures.some(([code, suffix]) => msg.text().includes(`status of ${code}`) && url.endsWith(suffix))) return;
    errors.push(`${who} console: ${msg.text()} (${url})`);
  });
  page.on('pageerror', (err) => errors.push(`${who} page error: ${err.message}`));
}
const shot = (page, name) => page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
const step = (text) => console.error(`dashboard_e2e: ${text}`);

async function login(page, key) {
  await page.goto(`${base}/dashboard/`);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForSelector('section.engine[data-engine="native"]');
}

try {
  // --- admin -----------------------------------------------------------------------------------
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  const page = await context.newPage();
  watch(page, 'admin');
  await page.goto(`${base}/dashboard/`);
  await page.getByLabel('API key').waitFor();
  assert.equal(await page.locator('#nav').isVisible(), false, 'no page links before login');
  assert.equal(await page.locator('#logout').isVisible(), false, 'no Log out before login');
  await shot(page, '01-login');
  step('log in as admin');
  await login(page, adminKey);
  assert.equal(await page.locator('#nav').isVisible(), true, 'page links after login');
  assert.equal(await page.locator('#logout').isVisible(), true, 'Log out after login');
  assert.equal(await page.evaluate(() => sessionStorage.getItem('btrouter.api_key')), adminKey);
  assert.ok(!page.url().includes(adminKey), 'the key is never in a URL');
  assert.equal(await page.textContent('#role'), 'admin · admin key');  // from GET /v1/whoami
  const native = page.locator('section.engine[data-engine="native"]');
  assert.equal((await native.locator('.state').textContent()).trim(), 'healthy');
  assert.ok(!/\b(null|undefined)\b/.test(await page.textContent('main')), 'no stray null/undefined text');
  await shot(page, '02-engines');

  step('new run: client-side validation, CSV upload, submit');
  await page.getByRole('link', { name: 'New run' }).click();
  await page.waitForSelector('#new-run');
  // The server's default engine (engines.default), not the first one listed.
  assert.equal(await page.inputValue('#f-engine'), 'native');
  await page.selectOption('#f-strategy', 'sma_cross');
  await page.fill('#p-fast', '');
  await page.click('#submit-run');
  await page.waitForSelector('[data-field="strategy.params.fast"].invalid');
  assert.match(await page.textContent('#p-fast-error'), /number/);
  assert.match(await page.textContent('[data-field="dataset"] .error'), /dataset/);
  await page.fill('#p-fast', '10');
  // A field error from the server (a dataset id it does not know) is shown at that field.
  await page.evaluate(() => {
    const sel = document.querySelector('#f-dataset');
    sel.append(new Option('missing', 'ds_00000000000000000000'));
    sel.value = 'ds_00000000000000000000';
  });
  expectedFailures = [[400, '/v1/backtests'], [404, '/v1/backtests']];
  await page.click('#submit-run');
  await page.waitForSelector('[data-field="dataset"].invalid');
  assert.match(await page.textContent('.problem'), /dataset/);
  expectedFailures = [];
  await page.setInputFiles('#f-upload', csv);
  await page.click('#upload');
  await page.waitForSelector('#upload-done');
  assert.match(await page.textContent('#upload-done'), /2148 bars/);
  await page.fill('#f-commission', '0.002');
  await shot(page, '03-new-run');
  await page.click('#submit-run');
  await page.waitForURL(/\/dashboard\/runs\?highlight=/);
  const id = new URL(page.url()).searchParams.get('highlight');
  assert.match(id, /^bt_/);

  step(`watch ${id} reach done`);
  const row = page.locator(`#runs tr[data-id="${id}"]`);
  await row.waitFor();
  await page.waitForFunction((rid) => {
    const tr = document.querySelector(`#runs tr[data-id="${rid}"]`);
    return tr && tr.dataset.status === 'succeeded' && tr.querySelector('progress').value === 1;
  }, id, { timeout: 30000 });
  assert.equal((await row.locator('td[data-label="Engine used"]').textContent()).trim(), 'native');
  await shot(page, '04-runs');

  step('live progress: a longer run queued behind others moves to done over the WebSocket');
  const big = await apiCall('/v1/datasets?name=gbm800k', adminKey, { method: 'POST', headers: { 'Content-Type': 'text/csv' }, body: readFileSync(bigCsv) });
  const bigSpec = JSON.stringify({ engine: 'native', strategy: { name: 'sma_cross' }, dataset: big.id });
  for (let k = 0; k < 3; ++k) {
    await apiCall('/v1/backtests', adminKey, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: bigSpec });
  }
  await page.locator('#nav').getByRole('link', { name: 'New run' }).click();
  await page.waitForSelector('#new-run');
  await page.selectOption('#f-dataset', big.id);
  await page.click('#submit-run');
  await page.waitForURL(/\/dashboard\/runs\?highlight=/);
  const liveId = new URL(page.url()).searchParams.get('highlight');
  // Sample the row's status and progress bar every 5 ms until it is done.
  const seen = await page.evaluate((rid) => new Promise((resolve) => {
    const samples = [];
    const timer = setInterval(() => {
      const tr = document.querySelector(`#runs tr[data-id="${rid}"]`);
      if (!tr) return;
      const value = tr.querySelector('progress').value;
      const last = samples[samples.length - 1];
      if (!last || last.status !== tr.dataset.status || last.value !== value) samples.push({ status: tr.dataset.status, value });
      if (tr.dataset.status === 'succeeded') { clearInterval(timer); resolve(samples); }
    }, 5);
  }), liveId);
  console.error(`dashboard_e2e: progress seen: ${JSON.stringify(seen)}`);
  assert.ok(['queued', 'running'].includes(seen[0].status), 'the run was seen before it finished');
  assert.deepEqual(seen[seen.length - 1], { status: 'succeeded', value: 1 });
  assert.ok(seen.some((s) => s.status === 'running' && s.value > 0 && s.value < 1), 'the bar moved while running');
  await page.goto(`${base}/dashboard/runs?highlight=${id}`);
  await page.locator(`#runs tr[data-id="${id}"]`).waitFor();

  step('run detail: equity chart and trades');
  await row.getByRole('link', { name: id }).click();
  await page.waitForSelector('#equity-chart canvas');
  await page.waitForSelector('#trades tbody tr');
  const equity = await apiCall(`/v1/backtests/${id}/equity?limit=1`, adminKey);
  assert.equal(await page.getAttribute('#equity-chart', 'data-points'), String(equity.total));
  assert.ok(await page.locator('#drawdown-chart canvas').count() > 0);
  // The trades are drawn on the dataset's bars (GET /v1/datasets/{id}/bars), not the fallback.
  await page.waitForSelector('#price-chart canvas');
  assert.equal(await page.getAttribute('#price-chart', 'data-source'), 'bars');
  assert.match(await page.textContent('#price-caption'), /^Close of the dataset's bars/);
  const canvasHasInk = await page.evaluate(() => {
    const c = document.querySelector('#equity-chart canvas');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    for (let k = 3; k < d.length; k += 4) if (d[k] !== 0) return true;
    return false;
  });
  assert.ok(canvasHasInk, 'the equity canvas is drawn');
  const apiTrades = await apiCall(`/v1/backtests/${id}/trades?limit=20`, adminKey);
  const rows = page.locator('#trades tbody tr');
  assert.equal(await rows.count(), Math.min(20, apiTrades.total));
  for (let k = 0; k < 3; ++k) {
    assert.equal(await rows.nth(k).getAttribute('data-entry-bar'), String(apiTrades.items[k].entry_bar));
  }
  assert.match(await page.textContent('h2:has-text("Trades (")'), new RegExp(`Trades \\(${apiTrades.total}\\)`));
  await page.click('#trades th button[data-sort="pnl"]');
  assert.equal(await page.getAttribute('#trades th:has(button[data-sort="pnl"])', 'aria-sort'), 'ascending');
  step('run detail: key figures and metrics for people, entries and exits both seen');
  const result = await apiCall(`/v1/backtests/${id}/result`, adminKey);
  await checkKpis(page, result.metrics);
  await page.locator('#kpis').screenshot({ path: join(artifacts, '05a-kpis.png') });
  const metricsText = await page.textContent('#metrics');
  assert.match(metricsText, /Sharpe ratio/);
  assert.ok(!/\b[a-z]+_[a-z_]+\b/.test(metricsText), `no snake_case key shown: ${metricsText}`);
  assert.ok(!/\d\.\d{5,}/.test(metricsText), 'no long decimals');
  assert.equal(await page.getAttribute('#metrics tr[data-key="sharpe_ratio"] th', 'title'), 'sharpe_ratio');
  assert.match(await page.textContent('#metrics tr[data-key="max_drawdown_duration_s"] td'), /^[\d,]+ days( \d+ h)?$/);
  assert.match(await page.textContent('#metrics tr[data-key="total_return"] td'), / %$/);
  assert.equal((await page.textContent('#conventions-canonical tr[data-key="bar_period_s"] td')).trim(), '1 day');
  await page.locator('#price-chart').screenshot({ path: join(artifacts, '05b-price-chart.png') });
  const markers = await markersAtSharedPoint(page, [0x1e, 0x7b, 0x34], [0xb3, 0x26, 0x1e]);
  assert.ok(markers.found, 'a trade exits where the next enters');
  assert.ok(markers.entryBelow && markers.exitAbove, `entry and exit both seen: ${JSON.stringify(markers)}`);
  assert.match(await page.textContent('#price-chart'), /▲ entry/);
  assert.match(await page.textContent('#price-chart'), /▼ exit/);
  assert.match(await page.textContent('#spec'), /"commission": 0.002/);
  await page.waitForFunction(() => /succeeded on /.test(document.querySelector('#logs')?.textContent || ''));
  const logText = await page.textContent('#logs');
  assert.match(logText, /btrouter: submitted: engine /);
  assert.match(logText, /btrouter: started on \w+ \(attempt 1\)/);
  await shot(page, '05-run-detail');

  step('run detail without bars: the price chart falls back to the traded prices');
  const barsUrl = (url) => /^\/v1\/datasets\/[^/]+\/bars$/.test(url.pathname);
  await page.route(barsUrl, (route) => route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ dataset: '', bars: 0, step: 1, points: [] }) }));
  await page.reload();
  await page.waitForSelector('#price-chart[data-source="trades"] canvas');
  assert.match(await page.textContent('#price-caption'), /could not be loaded \(no bars in the run's time range\), so the line joins the traded prices/);
  await page.unroute(barsUrl);

  step('the progress WebSocket takes the key as a subprotocol, not in the URL');
  const { ws_port: wsPort } = await (await fetch(`${base}/dashboard/config.json`)).json();
  // ws_port null: the API's own host and port serve the WebSocket.
  const wsHost = wsPort ? `127.0.0.1:${wsPort}` : new URL(base).host;
  assert.equal(await page.evaluate(async () => (await import('/dashboard/api.js')).jobEventsUrl(null, 'bt_1')),
    `ws://${new URL(base).host}/v1/backtests/bt_1/events`);
  assert.equal(await page.evaluate(async () => (await import('/dashboard/api.js')).jobEventsUrl(4321, 'bt_1')),
    'ws://127.0.0.1:4321/v1/backtests/bt_1/events');
  const ws = await page.evaluate(({ host, rid }) => new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://${host}/v1/backtests/${rid}/events`,
      ['btrouter.v1', `bearer.${sessionStorage.getItem('btrouter.api_key')}`]);
    socket.onmessage = (e) => { resolve({ protocol: socket.protocol, message: JSON.parse(e.data) }); socket.close(); };
    socket.onerror = () => reject(new Error('websocket error'));
  }), { host: wsHost, rid: id });
  assert.equal(ws.protocol, 'btrouter.v1');
  assert.equal(ws.message.job.id, id);
  assert.equal(ws.message.job.status, 'succeeded');

  step('drain native as admin, then resume');
  await page.getByRole('link', { name: 'Engines' }).click();
  await native.waitFor();
  // The embedded server's own workers are listed, serving native.
  await page.locator('#workers tbody tr').first().waitFor();
  assert.equal(await page.locator('#workers tbody tr').count(), 1);
  assert.match(await page.locator('#workers tbody tr td').nth(1).textContent(), /native/);
  assert.equal(await native.locator('[data-field="workers"]').textContent(), '1');
  // Keyboard: Tab reaches the Drain button, Enter opens the confirmation, Escape cancels it.
  await page.locator('.brand').focus();
  let reached = false;
  for (let k = 0; k < 30 && !reached; ++k) {
    await page.keyboard.press('Tab');
    reached = await page.evaluate(() => document.activeElement?.dataset.action === 'drain');
  }
  assert.ok(reached, 'the Drain button is reachable with Tab');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#confirm[open]');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'confirm-ok');
  await page.keyboard.press('Escape');
  await page.waitForFunction(() => !document.querySelector('#confirm').open);
  assert.equal((await apiCall('/v1/engines/native', adminKey)).state, 'healthy');
  await native.locator('button[data-action="drain"]').click();
  await page.locator('#confirm').getByRole('button', { name: 'drain' }).click();
  await page.waitForFunction(() => document.querySelector('section.engine[data-engine="native"] .state')?.textContent === 'draining');
  assert.equal((await apiCall('/v1/engines/native', adminKey)).state, 'draining');
  await shot(page, '06-engines-draining');
  await native.locator('button[data-action="resume"]').click();
  await page.locator('#confirm').getByRole('button', { name: 'resume' }).click();
  await page.waitForFunction(() => document.querySelector('section.engine[data-engine="native"] .state')?.textContent === 'healthy');

  step('new-run form: config.json names the default engine; disabled engines cannot be chosen');
  const configUrl = (url) => url.pathname === '/dashboard/config.json';
  const enginesUrl = (url) => url.pathname === '/v1/engines';
  await page.route(configUrl, async (route) => {
    const response = await route.fetch();
    await route.fulfill({ response, json: { ...(await response.json()), default_engine: 'auto' } });
  });
  await page.route(enginesUrl, async (route) => {
    const response = await route.fetch();
    const list = await response.json();
    list.push({ name: 'e2e_off', state: 'disabled', hint: 'set engines.e2e_off.enabled = true' });
    await route.fulfill({ response, json: list });
  });
  await page.goto(`${base}/dashboard/new`);
  await page.waitForSelector('#new-run');
  assert.equal(await page.inputValue('#f-engine'), 'auto');
  const off = page.locator('#f-engine option[value="e2e_off"]');
  assert.equal(await off.isDisabled(), true);
  assert.match(await off.textContent(), /disabled: set engines\.e2e_off\.enabled = true/);
  await page.unroute(configUrl);
  await page.unroute(enginesUrl);

  step('a comparison from its form: native against native with trade_on_close, its progress and report');
  await page.goto(`${base}/dashboard/comparisons`);
  await page.click('#new-comparison-link');
  await page.waitForSelector('#new-comparison');
  const goog = (await apiCall('/v1/datasets', adminKey)).items.find((d) => d.bars === 2148);
  await page.selectOption('#f-strategy', 'sma_cross');
  await page.selectOption('#f-dataset', goog.id);
  assert.equal(await page.isChecked('#c-engine-native'), true);
  await page.click('#submit-comparison');
  await page.waitForSelector('[data-field="engines"].invalid');
  assert.match(await page.textContent('#engines-error'), /at least two runs/);
  await page.click('#add-variant');
  await page.fill('#v-settings-1', 'slowness=3');
  await page.click('#submit-comparison');
  await page.waitForSelector('.variant .field.invalid');
  assert.match(await page.textContent('#v-settings-1-error'), /'slowness' is neither a setting/);
  await page.fill('#v-settings-1', 'trade_on_close=true');
  await shot(page, '07-comparison-form');
  await page.click('#submit-comparison');
  await page.waitForURL(/\/dashboard\/comparisons\/cmp_/);
  const comparisonId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop());
  await page.waitForSelector('#comparison-status[data-status="succeeded"]', { timeout: 30000 });
  assert.deepEqual(await page.$$eval('#comparison-runs tbody tr', (trs) => trs.map((tr) => [tr.dataset.run, tr.dataset.status])),
    [['native', 'succeeded'], ['native[trade_on_close=true]', 'succeeded']]);
  const report = page.frameLocator('iframe.report');
  await report.locator('#metrics').waitFor();
  assert.match(await report.locator('body').textContent(), /trade_on_close/);
  // The charts are in the page itself (SVG), so they show without the report's script.
  assert.equal(await report.locator('svg#equity-chart polyline.series').count(), 2);
  assert.equal(await page.locator('a[download$=".html"]').count(), 1);
  let fit = await reportFit(page);
  assert.ok(fit.frameHeight >= fit.docHeight, `the frame shows the whole report: ${JSON.stringify(fit)}`);
  assert.ok(fit.docWidth <= fit.frameWidth, `nothing in the report sticks out sideways: ${JSON.stringify(fit)}`);
  await shot(page, '07b-comparison-report');
  await page.goto(`${base}/dashboard/comparisons`);
  await page.waitForSelector('#comparisons tbody tr');
  await shot(page, '07c-comparisons');
  const checks = { page, base, adminKey, apiCall, shot, step, expectFailures, artifacts };
  const optimizationId = await optimizationChecks({ ...checks, datasetId: goog.id, bigDatasetId: big.id });
  await monteCarloChecks({ ...checks, runId: id });
  await page.setViewportSize({ width: 390, height: 800 });
  await page.locator('#nav').getByRole('link', { name: 'Runs' }).click();
  await page.locator(`#runs tr[data-id="${id}"]`).waitFor();
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no sideways scrolling at 390 px');
  await shot(page, '08-runs-narrow');
  await page.locator('#nav').getByRole('link', { name: 'Engines' }).click();
  await native.waitFor();
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no sideways scrolling at 390 px');
  await shot(page, '08b-engines-narrow');
  await page.goto(`${base}/dashboard/optimizations/${optimizationId}`);
  await page.waitForSelector('#heatmap rect.cell');
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no sideways scrolling at 390 px (optimization)');
  await shot(page, '08d-optimization-narrow');
  // Opened by its id this time.
  await page.locator('#nav a[data-page="comparisons"]').click();
  await page.waitForSelector(`#comparisons tr[data-id="${comparisonId}"]`);
  await page.fill('#comparison-id', comparisonId);
  await page.getByRole('button', { name: 'Open', exact: true }).click();
  fit = await reportFit(page);
  assert.ok(fit.frameHeight >= fit.docHeight, `at 390 px the frame shows the whole report: ${JSON.stringify(fit)}`);
  assert.ok(fit.docWidth <= fit.frameWidth, `at 390 px the report's tables scroll in their boxes: ${JSON.stringify(fit)}`);
  await shot(page, '08c-comparison-narrow');

  step('log out: the page links and Log out go away');
  await page.click('#logout');
  await page.getByLabel('API key').waitFor();
  assert.equal(await page.locator('#nav').isVisible(), false);
  assert.equal(await page.locator('#logout').isVisible(), false);
  assert.equal(await page.evaluate(() => sessionStorage.getItem('btrouter.api_key')), null);
  await context.close();

  // --- a user key ----------------------------------------------------------------------------
  step('a user key cannot drain: the server answers 403');
  const user = await apiCall('/v1/keys', adminKey, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ tenant: 'e2e-viewer', role: 'user' }) });
  // The refused drain (the role comes from GET /v1/whoami, which costs no 403).
  expectedFailures = [[403, '/v1/engines/native/drain']];
  const userContext = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  const userPage = await userContext.newPage();
  watch(userPage, 'user');
  await login(userPage, user.key);
  assert.equal(await userPage.textContent('#role'), 'e2e-viewer · user key');
  const drain = userPage.locator('section.engine[data-engine="native"] button[data-action="drain"]');
  assert.equal(await drain.getAttribute('aria-disabled'), 'true');
  await drain.click({ force: true });  // greyed out (aria-disabled), still sends: the server decides
  await userPage.locator('#confirm').getByRole('button', { name: 'drain' }).click();
  const problem = userPage.locator('.problem');
  await problem.waitFor();
  assert.match(await problem.textContent(), /403/);
  assert.match(await problem.textContent(), /admin/);
  assert.equal((await apiCall('/v1/engines/native', adminKey)).state, 'healthy');
  await shot(userPage, '09-engines-user-403');
  await userContext.close();

  assert.deepEqual(errors, [], 'no console errors');
  step('passed');
} catch (e) {
  console.error(`dashboard_e2e: FAILED: ${e.stack || e}`);
  if (errors.length) console.error(`console errors:\n  ${errors.join('\n  ')}`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
