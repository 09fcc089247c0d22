// The QuantConnect-compatible API: /api/v2 on its own listener (`server.qc_listen`, e.g.
// 127.0.0.1:5612, where lean-cli's QC_API=local points), so lean-cli and LEAN's C# Api client
// use btrouter unchanged (docs/qc_api.md).
//
// Every endpoint answers GET and POST (QuantConnect's clients use both) with QuantConnect's
// envelope (qc_call.h), after QuantConnect's authentication mapped to btrouter keys
// (services/auth/qc_keys.h): the caller's tenant owns what it creates and sees nothing else.
//
//   authenticate, account/read
//   projects/create|read|update|delete        a project: files + LEAN parameters (ProjectStore)
//   files/create|read|update|delete
//   compile/create|read                       a compile id names the project's exact content
//   backtests/create|read|list|delete         a backtest is a btrouter job (also in /v1)
//   backtests/chart/read, backtests/orders/read, backtests/read/log   charts, orders, log
//   optimizations/estimate|create|read|list|abort|delete   a grid optimization is a sweep
//   organizations/read|list                   the tenant as an organization
//   live/read                                 btrouter runs no live algorithms: not deployed
//
// Running a project: its parameters `strategy` (a catalogue name) and `dataset` (a dataset id)
// make it a catalogue backtest on the engine its `engine` parameter names (default
// engines.default): native, backtestingpy, lean_local or qc_cloud; the other parameters are
// the strategy's and the settings of POST /v1/backtests (cash, commission, start, end, ...).
// A backtest created here is a job whose idempotency key is "qc/<projectId>/<nonce>/<name>":
// that is how backtests/list finds a project's runs and where their names live.
//
// Threads: handlers run on the HTTP server's threads; the pointers in QcDeps must outlive the
// routes.
#pragma once

#include <string>
#include <vector>

#include "engines/core/clock.h"
#include "router/http/api.h"
#include "services/jobs/job_service.h"
#include "services/store/store.h"

namespace btr {

struct QcDeps {
  Store* store = nullptr;
  JobService* jobs = nullptr;
  const Clock* clock = nullptr;
  std::string cache_dir;  // the bar cache (charts read the run's bar times)
};

// The /api/v2 routes, for an HttpServer of their own.
std::vector<ApiRoute> BuildQcRoutes(const QcDeps& deps);

}  // namespace btr
