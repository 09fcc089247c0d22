// Internal to router/qc: one authenticated call and the handler groups BuildQcRoutes joins.
#pragma once

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "router/qc/qc_api.h"
#include "router/qc/qc_call.h"

namespace btr::qcapi {

struct QcCall {
  const QcDeps& deps;
  const ApiRequest& request;
  QcParams params;
  ApiKeyRecord caller;
  TimeNs now = 0;
};

// An endpoint: the body of a success reply (merged into {"success": true}), or the error.
using QcHandler = std::function<Result<nlohmann::json>(QcCall& call)>;

// endpoint ("projects/create") -> handler.
using QcHandlers = std::map<std::string, QcHandler>;

void AddProjectHandlers(QcHandlers* handlers);   // projects, files, compile (qc_projects.cc)
void AddBacktestHandlers(QcHandlers* handlers);  // backtests, live (qc_backtests.cc)
void AddChartHandlers(QcHandlers* handlers);     // backtests/chart|orders/read (qc_charts.cc)

// The caller's backtest `backtestId` of project `projectId`, with the project id and the name
// its key holds; NotFound naming both when either is not the caller's.
Result<JobRecord> CallerBacktest(QcCall& call, int64_t* project_id, std::string* name);

// The caller's project; NotFound naming the id.
Result<ProjectRecord> CallerProject(QcCall& call, int64_t id);
// The project as QuantConnect shows it (lean-cli's QCProject).
nlohmann::json ProjectJson(const ProjectRecord& project);
// The compile id of the project's current content: "<32 hex>-<projectId>".
std::string CompileId(const ProjectRecord& project);

}  // namespace btr::qcapi
