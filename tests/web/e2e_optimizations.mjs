// The optimization pages and Monte Carlo, for dashboard_e2e.mjs: a 2-D sweep from the form (a
// page check and a server field error first), its heatmap, best parameters, statistics, top
// trials, walk-forward (when the server has it) and both downloads against GET .../report and
// .../trials.csv; a 1-D sweep's line chart; a long sweep's live progress and Cancel in the list;
// Monte Carlo on a run against POST /v1/backtests/{id}/monte-carlo.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';

const money = (v) => v.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const close = (text, value, tolerance) => Math.abs(Number(text.replace(/[ ,%]/g, '')) - value) <= tolerance;

async function openForm(page) {
  await page.locator('#nav a[data-page="optimizations"]').click();
  await page.click('#new-optimization-link');
  await page.waitForSelector('#new-optimization');
}

async function range(page, name, min, max, step) {
  await page.selectOption(`#s-mode-${name}`, 'range');
  await page.fill(`#s-min-${name}`, String(min));
  await page.fill(`#s-max-${name}`, String(max));
  await page.fill(`#s-step-${name}`, String(step));
}

async function submitAndWait(page) {
  await page.click('#submit-optimization');
  await page.waitForURL(/\/dashboard\/optimizations\/bt_/);
  const id = decodeURIComponent(new URL(page.url()).pathname.split('/').pop());
  await page.waitForSelector('#opt-status[data-status="succeeded"]', { timeout: 60000 });
  return id;
}

// The heatmap's cells against the report's heatmap and best.
async function checkHeatmap(page, report) {
  const map = report.heatmap;
  await page.waitForSelector('#heatmap rect.cell');
  const cells = await page.$$eval('#heatmap rect.cell', (rs) => rs.map((r) => ({ x: Number(r.dataset.x), y: Number(r.dataset.y), value: r.dataset.value, best: r.classList.contains('best') })));
  assert.equal(cells.length, 16, 'fast 4 values × slow 4 values');
  assert.equal(cells.length, map.x.values.length * map.y.values.length);
  for (const c of cells) {
    const v = map.values[map.y.values.indexOf(c.y)][map.x.values.indexOf(c.x)];
    assert.equal(c.value === '' ? null : Number(c.value), v, `cell ${c.x},${c.y}`);
  }
  const best = cells.filter((c) => c.best);
  assert.equal(best.length, 1, 'one best cell');
  assert.deepEqual([best[0].x, best[0].y], [report.best.params.fast, report.best.params.slow]);
  assert.equal(Number(best[0].value), Math.max(...map.values.flat().filter((v) => v !== null)));
  await page.hover(`#heatmap rect.cell[data-x="${best[0].x}"][data-y="${best[0].y}"]`);
  assert.match(await page.textContent('#heatmap-readout'), new RegExp(`^fast = ${best[0].x}, slow = ${best[0].y}: Sharpe ratio `));
}

async function checkBestAndStats(page, report) {
  for (const k of ['fast', 'slow']) assert.equal(await page.textContent(`#best-params dd[data-param="${k}"]`), String(report.best.params[k]));
  assert.ok(close(await page.textContent('#best-objective'), report.best.objective, 0.006), 'best objective');
  const stat = (key) => page.textContent(`#opt-stats tr[data-key="${key}"] td.num`);
  assert.match(await page.textContent('#opt-stats tr[data-key="dsr"] th'), /Deflated Sharpe ratio/);
  assert.ok(close(await stat('dsr'), report.analysis.deflated_sharpe.dsr, 0.0006), 'DSR shown');
  assert.match(await page.textContent('#opt-stats tr[data-key="pbo"] th'), /Probability of backtest overfitting/);
  assert.ok(close(await stat('pbo'), report.analysis.pbo.pbo, 0.0006), 'PBO shown');
  assert.equal(await stat('n_trials'), String(report.analysis.deflated_sharpe.n_trials));
  assert.match(await stat('best_at_edge'), report.analysis.plateau.best_at_edge ? /^yes: / : /^no$/);
  assert.equal(await page.locator('#pbo-histogram rect.bar').count(), report.analysis.pbo.logit_histogram.counts.length);
  const rows = page.locator('#top-trials tbody tr');
  assert.equal(await rows.count(), report.top.length);
  assert.equal(await rows.first().getAttribute('data-point'), String(report.best.point));
  await page.click('#top-trials th button[data-sort="objective"]');
  assert.equal(await page.getAttribute('#top-trials th:has(button[data-sort="objective"])', 'aria-sort'), 'ascending');
  const worst = report.top.reduce((a, t) => (t.objective < a.objective ? t : a));
  assert.equal(await rows.first().getAttribute('data-point'), String(worst.point));
}

async function download(page, button) {
  const [file] = await Promise.all([page.waitForEvent('download'), page.click(button)]);
  return { name: file.suggestedFilename(), text: readFileSync(await file.path(), 'utf8') };
}

async function checkWalkForward(page, report) {
  if (!report.walk_forward) {
    assert.equal(await page.locator('#walk-forward').count(), 0, 'no walk-forward section without one in the report');
    return;
  }
  const wf = report.walk_forward;
  await page.waitForSelector('#wf-equity canvas');
  assert.equal(await page.getAttribute('#wf-equity', 'data-points'), String(wf.equity.points));
  assert.equal(await page.getAttribute('#wf-equity', 'data-folds'), String(wf.windows.length));
  assert.equal(wf.windows.length, 3, 'three folds asked for');
  const shown = await page.$$eval('#wf-folds tbody tr td[data-params]', (tds) => tds.map((td) => JSON.parse(td.dataset.params)));
  assert.deepEqual(shown, wf.windows.map((w) => w.params));
  assert.ok(close(await page.textContent('#wf-efficiency'), wf.efficiency, 0.006), 'walk-forward efficiency');
}

// The engine select: native by default (runs in flight hidden); another engine shows the
// runs-in-flight field, checks it in the page and sends it; the server's answer about the engine
// lands at the engine field. /v1/engines is answered with one extra (unknown) engine, which
// /v1/strategies says runs sma_cross.
async function checkEngineField(page, datasetId, expectFailures) {
  const enginesUrl = (url) => url.pathname === '/v1/engines';
  const strategiesUrl = (url) => url.pathname === '/v1/strategies';
  await page.route(enginesUrl, async (route) => {
    const list = await (await route.fetch()).json();
    list.push({ name: 'e2e_remote', state: 'healthy' });
    await route.fulfill({ json: list });
  });
  await page.route(strategiesUrl, async (route) => {  // sma_cross also runs on e2e_remote
    const doc = await (await route.fetch()).json();
    for (const st of doc.items || doc) if (st.name === 'sma_cross' && st.engines) st.engines.push('e2e_remote');
    await route.fulfill({ json: doc });
  });
  await openForm(page);
  assert.equal(await page.inputValue('#f-engine'), 'native');
  assert.equal(await page.locator('[data-field="concurrency"]').isHidden(), true);
  await page.selectOption('#f-engine', 'e2e_remote');
  assert.equal(await page.locator('[data-field="concurrency"]').isVisible(), true);
  await page.selectOption('#f-strategy', 'sma_cross');
  await range(page, 'fast', 5, 10, 5);
  await page.selectOption('#f-dataset', datasetId);
  await page.fill('#f-concurrency', '65');
  await page.click('#submit-optimization');
  await page.waitForSelector('[data-field="concurrency"].invalid');
  await page.fill('#f-concurrency', '2');
  let sent = null;
  page.on('request', (r) => { if (r.method() === 'POST' && r.url().endsWith('/v1/optimizations')) sent = JSON.parse(r.postData()); });
  expectFailures([[400, '/v1/optimizations']]);
  await page.click('#submit-optimization');
  await page.waitForSelector('[data-field="engine"].invalid');
  expectFailures([]);
  assert.equal(sent.engine, 'e2e_remote');
  assert.equal(sent.concurrency, 2);
  assert.match(await page.textContent('#f-engine-error'), /e2e_remote/);
  await page.unroute(enginesUrl);
  await page.unroute(strategiesUrl);
}

export async function optimizationChecks({ page, base, adminKey, apiCall, shot, step, expectFailures, datasetId, bigDatasetId, artifacts }) {
  step('optimizations: the engine field (native by default, runs in flight for the others)');
  await checkEngineField(page, datasetId, expectFailures);
  step('optimizations: a field checked in the page, a server field error, then a 2-D sweep from the form');
  await openForm(page);
  await page.selectOption('#f-strategy', 'sma_cross');
  await range(page, 'fast', 20, 5, 5);
  await page.click('#submit-optimization');
  await page.waitForSelector('[data-field="space.fast"].invalid');
  assert.match(await page.textContent('#s-fast-error'), /max must be at least min/);
  await range(page, 'fast', 5, 20, 5);
  await range(page, 'slow', 30, 60, 10);
  assert.equal(await page.getAttribute('#grid-size', 'data-points'), '16');
  assert.match(await page.textContent('#grid-size'), /fast 4 × slow 4 = 16 points/);
  await page.selectOption('#f-dataset', datasetId);
  await page.fill('#f-constraints', 'fast <');
  expectFailures([[400, '/v1/optimizations']]);
  await page.click('#submit-optimization');
  await page.waitForSelector('[data-field="constraints"].invalid');
  assert.match(await page.textContent('.problem'), /constraints\[0\]/);
  expectFailures([]);
  await page.fill('#f-constraints', 'fast < slow');
  const walkForward = await page.locator('#f-wf').count() > 0;
  if (walkForward) { await page.check('#f-wf'); await page.fill('#f-wf-folds', '3'); }
  await shot(page, '10-optimization-form');
  const id = await submitAndWait(page);
  const report = await apiCall(`/v1/optimizations/${id}/report`, adminKey);
  assert.equal(Boolean(report.walk_forward), walkForward, 'the report has a walk-forward exactly when the form asked for one');
  await checkHeatmap(page, report);
  await checkBestAndStats(page, report);
  await checkWalkForward(page, report);
  step('optimizations: the report (JSON) and the trials (CSV) downloaded with the key');
  const csv = await download(page, '#download-csv');
  assert.equal(csv.name, `${id}-trials.csv`);
  assert.match(csv.text, /^fast,slow,objective\n/);
  assert.equal(csv.text.trim().split('\n').length, report.counts.trials + 1);
  const json = await download(page, '#download-json');
  assert.deepEqual(JSON.parse(json.text).best, report.best);
  await shot(page, '10b-optimization');
  await page.locator('#heatmap-box').screenshot({ path: join(artifacts, '10c-heatmap.png') });

  step('optimizations: the list shows the sweep done with its best objective');
  await page.locator('#nav a[data-page="optimizations"]').click();
  const row = page.locator(`#optimizations tr[data-id="${id}"]`);
  await row.waitFor();
  assert.equal(await row.getAttribute('data-status'), 'succeeded');
  assert.equal(await row.locator('progress').evaluate((p) => p.value), 1);
  await page.waitForFunction((rid) => document.querySelector(`#optimizations tr[data-id="${rid}"] td[data-best]`)?.dataset.best !== '', id);
  assert.equal(Number(await row.locator('td[data-best]').getAttribute('data-best')), report.best.objective);
  assert.match(await row.locator('td[data-label="Trials"]').textContent(), /^16 of 16$/);

  step('optimizations: a 1-D sweep draws the objective as a line over the parameter');
  await page.click('#new-optimization-link');
  await page.waitForSelector('#new-optimization');
  await page.selectOption('#s-mode-fast', 'list');
  await page.fill('#s-list-fast', '5, 10, 15, 20');
  await page.selectOption('#f-dataset', datasetId);
  const lineId = await submitAndWait(page);
  const line = await apiCall(`/v1/optimizations/${lineId}/report`, adminKey);
  await page.waitForSelector('#heatmap-line canvas');
  assert.equal(await page.locator('#heatmap').count(), 0, 'no grid for one parameter');
  assert.equal(await page.getAttribute('#heatmap-line', 'data-points'), '4');
  assert.deepEqual(await page.evaluate(() => document.querySelector('#heatmap-line').chart.data[1]), line.heatmap.values);
  await shot(page, '10d-optimization-1d');

  step('optimizations: a long sweep shows live progress in the list, then Cancel stops it');
  const long = await apiCall('/v1/optimizations', adminKey, { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ dataset: bigDatasetId, strategy: 'sma_cross', space: { fast: { min: 2, max: 200, step: 1 } }, params: { slow: 250 } }) });
  await page.locator('#nav a[data-page="optimizations"]').click();
  const longRow = page.locator(`#optimizations tr[data-id="${long.id}"]`);
  await longRow.waitFor();
  await page.waitForFunction((rid) => {
    const tr = document.querySelector(`#optimizations tr[data-id="${rid}"]`);
    const v = tr?.querySelector('progress')?.value;
    return tr?.dataset.status === 'running' && v > 0 && v < 1;
  }, long.id, { timeout: 30000 });
  await longRow.getByRole('button', { name: `cancel ${long.id}` }).click();
  await page.locator('#confirm').getByRole('button', { name: 'Cancel optimization' }).click();
  await page.waitForSelector(`#optimizations tr[data-id="${long.id}"][data-status="cancelled"]`, { timeout: 30000 });
  assert.equal((await apiCall(`/v1/optimizations/${long.id}`, adminKey)).status, 'cancelled');
  await shot(page, '10e-optimizations');
  return id;
}

export async function monteCarloChecks({ page, base, adminKey, apiCall, shot, step, expectFailures, runId, artifacts }) {
  step('Monte Carlo on the run: the distributions and percentiles against the API');
  await page.goto(`${base}/dashboard/runs/${runId}`);
  await page.waitForSelector('#mc-form');
  await page.selectOption('#mc-method', 'bootstrap');
  await page.fill('#mc-simulations', '500');
  await page.fill('#mc-seed', '7');
  await page.click('#mc-run');
  await page.waitForSelector('#mc-table');
  const answer = await apiCall(`/v1/backtests/${runId}/monte-carlo`, adminKey, { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ method: 'bootstrap', simulations: 500, seed: 7, ruin_pct: 0.5 }) });
  const cell = (metric, column) => page.textContent(`#mc-table tr[data-metric="${metric}"] td[data-label="${column}"]`);
  assert.equal(await cell('final_equity', 'Median'), money(answer.metrics.final_equity.p50));
  assert.equal(await cell('final_equity', 'p95'), money(answer.metrics.final_equity.p95));
  assert.ok(close(await cell('max_drawdown', 'p5'), answer.metrics.max_drawdown.p5 * 100, 0.005 + 1e-9), 'max drawdown p5');
  assert.ok(close(await cell('total_return', 'Original'), answer.metrics.total_return.original * 100, 0.005 + 1e-9), 'total return');
  assert.equal(await page.locator('#mc-distributions svg.mc-dist').count(), 4);
  assert.equal(await page.locator('#mc-distributions svg.mc-dist[data-metric="sharpe"] path.original').count(), 1);
  await page.waitForSelector('#mc-fan canvas');
  assert.equal(await page.getAttribute('#mc-fan', 'data-points'), String(answer.fan_chart.step.length));
  assert.match(await page.textContent('#mc-summary'), /^bootstrap of \d+ closed trades, 500 simulations, seed 7/);
  await page.locator('#monte-carlo').screenshot({ path: join(artifacts, '11-monte-carlo.png') });
  step('Monte Carlo: too many simulations for the block bootstrap: the server\'s 400 at the field');
  await page.selectOption('#mc-method', 'block_bootstrap');
  await page.fill('#mc-simulations', '100000');
  expectFailures([[400, '/monte-carlo']]);
  await page.click('#mc-run');
  await page.waitForSelector('#mc-form [data-field="simulations"].invalid');
  assert.match(await page.textContent('#mc-simulations-error'), /at most \d+ simulations/);
  assert.equal(await page.locator('#mc-table').count(), 0, 'the earlier answer is cleared');
  expectFailures([]);
  await shot(page, '11b-run-monte-carlo');
}
