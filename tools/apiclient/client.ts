// A typed btrouter client, generated from the OpenAPI document: openapi-fetch over the types
// openapi-typescript writes to generated/api.ts (./run). It is compiled, not run: every call
// below type-checks only when the document describes the route's parameters, body and answer
// precisely, and each @ts-expect-error line only when the document refuses what it shows.
import createClient from "openapi-fetch";

import type { components, paths } from "./generated/api";

type Schemas = components["schemas"];

// True when A and B are the same type.
type Equals<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(): T | void {}

// The shapes a client relies on.
type JobStatus = "queued" | "running" | "succeeded" | "failed" | "cancelled";
expectType<Equals<Schemas["JobStatus"], JobStatus>>();
expectType<Equals<Schemas["Job"]["engine_used"], string | null>>();
expectType<Equals<Schemas["Job"]["spec"], Schemas["BacktestSpec"] | null>>();
expectType<Equals<Schemas["MetricValue"], number | null | "inf" | "-inf">>();
expectType<Equals<Schemas["Metrics"]["sharpe_ratio"], Schemas["MetricValue"]>>();
expectType<Equals<Schemas["Trade"]["exit_time"], string | undefined>>();
expectType<Equals<Schemas["TradePage"]["next_cursor"], string | null>>();
expectType<Equals<Schemas["Dataset"]["existing"], boolean | undefined>>();
expectType<Equals<Schemas["Engine"]["hint"], string | undefined>>();
expectType<Equals<Schemas["Problem"]["field"], string | undefined>>();
expectType<Equals<Schemas["MonteCarloReport"]["block_length"], number | null>>();
expectType<Equals<Schemas["MonteCarloReport"]["unit"], "trade" | "day">>();
expectType<Equals<Schemas["MonteCarloReport"]["fan_chart"]["time"], string[] | undefined>>();

// Unknown spec fields, missing required ones and values outside an enumeration do not compile.
// @ts-expect-error: "cahs" is not a field
const misspelt: Schemas["BacktestSpec"] = { strategy: "sma_cross", dataset: "ds_1", cahs: 1 };
// @ts-expect-error: not a Monte Carlo method
const shuffled: Schemas["MonteCarloRequest"] = { method: "shuffle" };
// @ts-expect-error: the dataset is required
const without_dataset: Schemas["BacktestSpec"] = { strategy: "sma_cross" };

export async function Demo(baseUrl: string, key: string, csv: string): Promise<string[]> {
  const api = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${key}` } });
  const seen: string[] = [String(misspelt), String(without_dataset), String(shuffled)];

  const uploaded = await api.POST("/v1/datasets", {
    params: { query: { name: "goog" } },
    body: csv,
    headers: { "Content-Type": "text/csv" },
    bodySerializer: (text: string) => text,
  });
  if (!uploaded.data) throw new Error(uploaded.error?.detail ?? "upload failed");
  const dataset: string = uploaded.data.id;
  const bars = await api.GET("/v1/datasets/{id}/bars", {
    params: {
      path: { id: dataset },
      query: { from: "2005-01-01", to: "2005-12-31", max_points: 500 },
    },
  });
  seen.push(`${bars.data?.step} ${bars.data?.points[0]?.close}`);

  const spec: Schemas["BacktestSpec"] = {
    engine: "native",
    strategy: { name: "sma_cross", params: { fast: 10, slow: 20, long_only: true } },
    dataset,
    commission: 0.002,
    trade_on_close: true,
  };
  const submitted = await api.POST("/v1/backtests", {
    body: spec,
    params: { header: { "Idempotency-Key": "run-42" } },
  });
  if (submitted.error) throw new Error(`${submitted.error.status} ${submitted.error.field}`);
  const id: string = submitted.data.id;
  const polled = await api.GET("/v1/backtests/{id}", {
    params: { path: { id }, query: { wait: 5 } },
  });
  const status: Schemas["JobStatus"] | undefined = polled.data?.status;
  seen.push(`${status} ${polled.data?.progress} ${polled.data?.error?.message}`);

  const result = await api.GET("/v1/backtests/{id}/result", { params: { path: { id } } });
  const sharpe: Schemas["MetricValue"] | undefined = result.data?.metrics.sharpe_ratio;
  seen.push(`${sharpe} ${result.data?.metrics.conventions.annualization_periods}`);
  const trades = await api.GET("/v1/backtests/{id}/trades", {
    params: { path: { id }, query: { limit: 50, cursor: "0" } },
  });
  seen.push(`${trades.data?.items[0]?.entry_price} ${trades.data?.total}`);
  const equity = await api.GET("/v1/backtests/{id}/equity", {
    params: { path: { id }, query: { limit: 500 } },
  });
  seen.push(`${equity.data?.items[0]?.drawdown}`);
  const robustness = await api.POST("/v1/backtests/{id}/monte-carlo", {
    params: { path: { id } },
    body: { method: "block_bootstrap", simulations: 500, seed: 7, block_scheme: "circular" },
  });
  const p95: number | null | undefined = robustness.data?.metrics.max_drawdown.p95;
  const bands: (number | null)[] | undefined = robustness.data?.fan_chart.p50;
  seen.push(`${p95} ${bands?.length} ${robustness.data?.ruin.probability}`);
  // Every field is optional: no body at all is the defaults.
  await api.POST("/v1/backtests/{id}/monte-carlo", { params: { path: { id } } });
  const logs = await api.GET("/v1/backtests/{id}/logs", {
    params: { path: { id }, query: { after: 0 } },
  });
  seen.push(`${logs.data?.next_after} ${logs.data?.items[0]?.level}`);
  const list = await api.GET("/v1/backtests", {
    params: { query: { status: "succeeded", engine: "native", limit: 20 } },
  });
  seen.push(`${list.data?.items.length} ${list.data?.next_cursor}`);
  // @ts-expect-error: not a job status
  await api.GET("/v1/backtests", { params: { query: { status: "done" } } });
  const deleted = await api.DELETE("/v1/backtests/{id}", { params: { path: { id } } });
  seen.push(`${deleted.response.status}`);

  const engines = await api.GET("/v1/engines");
  seen.push(`${engines.data?.map((e) => `${e.name}:${e.state}:${e.hint ?? ""}`).join(",")}`);
  const drained = await api.POST("/v1/engines/{name}/drain", {
    params: { path: { name: "native" } },
  });
  seen.push(`${drained.data?.state}`);
  const strategies = await api.GET("/v1/strategies");
  seen.push(`${strategies.data?.items[0]?.params[0]?.type}`);

  const comparison = await api.POST("/v1/comparisons", {
    body: {
      strategy: "sma_cross",
      dataset,
      engines: ["native", { engine: "native", overrides: { trade_on_close: true }, label: "toc" }],
    },
  });
  if (!comparison.data) throw new Error(comparison.error?.detail ?? "comparison refused");
  const cmp: string = comparison.data.id;
  const view = await api.GET("/v1/comparisons/{id}", {
    params: { path: { id: cmp }, query: { wait: 5 } },
  });
  seen.push(`${view.data?.runs[0]?.label} ${view.data?.report?.baseline}`);
  const report = await api.GET("/v1/comparisons/{id}/report.csv", {
    params: { path: { id: cmp }, query: { table: "trades" } },
    parseAs: "text",
  });
  seen.push(`${report.data?.length}`);
  const comparisons = await api.GET("/v1/comparisons", { params: { query: { limit: 10 } } });
  seen.push(`${comparisons.data?.items[0]?.runs[0]?.backtest_id}`);

  const created = await api.POST("/v1/keys", { body: { tenant: "bob", role: "user" } });
  if (created.data) {
    seen.push(created.data.key);
    await api.DELETE("/v1/keys/{id}", { params: { path: { id: created.data.id } } });
  }
  const me = await api.GET("/v1/whoami");
  seen.push(`${me.data?.tenant} ${me.data?.role}`);
  return seen;
}
