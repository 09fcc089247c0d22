// The dashboard's end-to-end test, run by tests/web/run against a real `btrouter serve`: drives
// headless Chromium with playwright-core (web/node_modules) through the operator's workflow —
// log in, see the engines, upload GOOG.csv and submit a backtest from the form, watch its
// progress bar reach done, open its detail (equity chart drawn with the API's points, the trades
// on the dataset's bars, trades table rows matching the API), drain and resume the native engine
// as admin, and fail to drain as a non-admin with the server's 403 shown. Any console error or
// page error fails the test, except the failures it provokes on purpose (noted below).
// Screenshots of every page go to
// BTR_ARTIFACTS_DIR. Exit 77 when Chromium cannot start (tests/web/run decides skip or fail).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import assert from 'node:assert/strict';

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
  await shot(page, '01-login');
  step('log in as admin');
  await login(page, adminKey);
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
  await page.selectOption('#f-engine', 'native');
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
  assert.match(await page.textContent('#metrics'), /sharpe_ratio/);
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
  assert.ok(wsPort > 0);
  const ws = await page.evaluate(({ port, rid }) => new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/v1/backtests/${rid}/events`,
      ['btrouter.v1', `bearer.${sessionStorage.getItem('btrouter.api_key')}`]);
    socket.onmessage = (e) => { resolve({ protocol: socket.protocol, message: JSON.parse(e.data) }); socket.close(); };
    socket.onerror = () => reject(new Error('websocket error'));
  }), { port: wsPort, rid: id });
  assert.equal(ws.protocol, 'btrouter.v1');
  assert.equal(ws.message.job.id, id);
  assert.equal(ws.message.job.status, 'succeeded');

  step('drain native as admin, then resume');
  await page.getByRole('link', { name: 'Engines' }).click();
  await native.waitFor();
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

  step('comparisons page and a narrow screen');
  await page.getByRole('link', { name: 'Comparisons' }).click();
  await page.waitForSelector('#comparisons-unavailable, #comparisons-unlisted, #comparisons, main .notice');
  await shot(page, '07-comparisons');
  if (await page.locator('#comparison-id').count()) {
    // A comparison made through the API, opened by its id: the report shows in the frame.
    const goog = (await apiCall('/v1/datasets', adminKey)).items.find((d) => d.bars === 2148);
    const comparison = await apiCall('/v1/comparisons', adminKey, { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ strategy: { name: 'sma_cross' }, dataset: goog.id, engines: ['native', { engine: 'native', overrides: { commission: 0.002 } }] }) });
    for (let k = 0; k < 100 && !(await apiCall(`/v1/comparisons/${comparison.id}`, adminKey)).finished_at; ++k) {
      await new Promise((r) => setTimeout(r, 100));
    }
    await page.fill('#comparison-id', comparison.id);
    await page.getByRole('button', { name: 'Open report' }).click();
    await page.waitForSelector('iframe.report');
    const report = page.frameLocator('iframe.report');
    await report.locator('body').waitFor();
    assert.match(await report.locator('body').textContent(), /native/);
    assert.ok(await page.locator('a[download]').count() === 1);
    await shot(page, '07b-comparison-report');
  }
  await page.setViewportSize({ width: 390, height: 800 });
  await page.getByRole('link', { name: 'Runs' }).click();
  await page.locator(`#runs tr[data-id="${id}"]`).waitFor();
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no sideways scrolling at 390 px');
  await shot(page, '08-runs-narrow');
  await page.locator('#nav').getByRole('link', { name: 'Engines' }).click();
  await native.waitFor();
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no sideways scrolling at 390 px');
  await shot(page, '08b-engines-narrow');
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
