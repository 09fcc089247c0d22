// /api/v2 backtests/chart/read, backtests/orders/read and backtests/read/log: a finished run's
// equity and drawdown in LEAN's chart shape, its trades as LEAN orders, and its log.
#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "engines/data/bar_cache.h"
#include "engines/metrics/metrics.h"
#include "engines/spec_json.h"
#include "engines/spec_window.h"
#include "router/qc/qc_handlers.h"
#include "services/jobs/result_builder.h"

namespace btr::qcapi {
namespace {

using json = nlohmann::ordered_json;

// The caller's finished backtest and its stored result; FailedPrecondition while it runs.
Result<JobResult> FinishedRun(QcCall& call, JobRecord* job) {
  int64_t project_id = 0;
  std::string name;
  Result<JobRecord> found = CallerBacktest(call, &project_id, &name);
  if (!found.ok()) return found.status();
  *job = *found;
  if (job->status != JobStatus::kSucceeded) {
    return Status::FailedPrecondition("backtestId: the backtest has not completed successfully");
  }
  return call.deps.store->GetResult(call.caller.tenant, job->id);
}

// The times of the bars the run used (the dataset cut to the spec's window).
Result<std::vector<TimeNs>> RunTimes(QcCall& call, const JobRecord& job) {
  Result<BacktestSpec> spec = SpecFromJson(json::parse(job.spec_json, nullptr, false));
  if (!spec.ok()) return spec.status();
  Result<DatasetRecord> dataset = call.deps.store->GetDataset(job.tenant, spec->dataset);
  if (!dataset.ok()) return dataset.status().WithPrefix("dataset");
  LoadOptions load;
  load.cache_dir = call.deps.cache_dir;
  Result<LoadedBars> loaded = LoadBars(dataset->path, load);
  if (!loaded.ok()) return loaded.status().WithPrefix("dataset");
  Result<BarWindow> bars = CutToWindow(loaded->bars, *spec);
  if (!bars.ok()) return bars.status();
  const auto& time = bars->bars().time;
  return std::vector<TimeNs>(time.begin(), time.end());
}

// A series' points in [start, end] (unix seconds; 0 = open), at most `count` of them, evenly
// spread and always keeping the last.
std::vector<size_t> Sample(const std::vector<TimeNs>& times, int64_t start, int64_t end,
                           size_t count) {
  std::vector<size_t> in;
  for (size_t k = 0; k < times.size(); ++k) {
    const int64_t t = times[k] / kNsPerSecond;
    if ((start == 0 || t >= start) && (end == 0 || t <= end)) in.push_back(k);
  }
  if (count == 0 || in.size() <= count) return in;
  std::vector<size_t> out;
  for (size_t j = 0; j < count; ++j) out.push_back(in[j * (in.size() - 1) / (count - 1)]);
  return out;
}

json Series(const std::string& name, const std::string& unit, int type, json values) {
  return {{"name", name},
          {"unit", unit},
          {"index", 0},
          {"seriesType", type},
          {"values", values},
          {"color", ""},
          {"scatterMarkerSymbol", "none"}};
}

int64_t OptionalInt(const QcCall& call, const std::string& name, int64_t fallback) {
  if (!call.params.Has(name)) return fallback;
  Result<int64_t> value = call.params.RequiredInt(name);
  return value.ok() ? *value : fallback;
}

Result<json> ChartRead(QcCall& call) {
  JobRecord job;
  Result<JobResult> result = FinishedRun(call, &job);
  if (!result.ok()) return result.status();
  const std::string name = call.params.Get("name").value_or("Strategy Equity");
  if (name != "Strategy Equity" && name != "Drawdown") {
    return Status::NotFound("name: btrouter keeps the charts 'Strategy Equity' and 'Drawdown'");
  }
  Result<std::vector<TimeNs>> times = RunTimes(call, job);
  if (!times.ok()) return times.status();
  const std::vector<double> equity = DecodeEquity(result->equity);
  if (equity.size() != times->size()) {
    return Status::Internal("the equity and the dataset's bars differ in length");
  }
  const int64_t count = std::clamp<int64_t>(OptionalInt(call, "count", 100), 1, 100000);
  const std::vector<size_t> picks = Sample(*times, OptionalInt(call, "start", 0),
                                           OptionalInt(call, "end", 0), static_cast<size_t>(count));
  json values = json::array();
  if (name == "Strategy Equity") {
    for (size_t k : picks) {
      const int64_t t = (*times)[k] / kNsPerSecond;
      values.push_back({t, equity[k], equity[k], equity[k], equity[k]});
    }
    return json{{"chart",
                 {{"name", name},
                  {"chartType", 0},
                  {"series", {{"Equity", Series("Equity", "$", 2, values)}}}}}};
  }
  const std::vector<double> dd = DrawdownSeries(equity);
  for (size_t k : picks) values.push_back({(*times)[k] / kNsPerSecond, -100 * dd[k]});
  return json{{"chart",
               {{"name", name},
                {"chartType", 0},
                {"series", {{"Equity Drawdown", Series("Equity Drawdown", "%", 0, values)}}}}}};
}

// One LEAN market order (type 0) filled (status 3) at `price` for `quantity` at `time`.
json Order(int64_t id, const std::string& symbol, double price, double quantity,
           const std::string& time, const std::string& tag) {
  return {{"id", id},
          {"type", 0},
          {"status", 3},
          {"symbol", {{"value", symbol}, {"id", symbol}, {"permtick", symbol}}},
          {"price", price},
          {"priceCurrency", "USD"},
          {"quantity", quantity},
          {"direction", quantity > 0 ? 0 : 1},
          {"time", time},
          {"lastFillTime", time},
          {"tag", tag}};
}

// The run's trades as orders, in the order they happened: an entry and an exit for each closed
// trade, an entry for each trade still open at the end.
Result<json> OrdersRead(QcCall& call) {
  JobRecord job;
  Result<JobResult> result = FinishedRun(call, &job);
  if (!result.ok()) return result.status();
  const json doc = json::parse(result->result_json, nullptr, false);
  const json trades = doc.is_object() ? doc.value("trades", json::array()) : json::array();
  const json open = doc.is_object() ? doc.value("open_trades", json::array()) : json::array();
  const std::string symbol =
      doc.is_object() && doc.contains("dataset") ? doc["dataset"].value("id", "") : std::string();
  struct Fill {
    std::string time;
    double price, quantity;
    std::string tag;
  };
  std::vector<Fill> fills;
  for (const json& t : trades) {
    const double size = t.value("size", 0.0);
    fills.push_back({t.value("entry_time", ""), t.value("entry_price", 0.0), size, "entry"});
    fills.push_back({t.value("exit_time", ""), t.value("exit_price", 0.0), -size, "exit"});
  }
  for (const json& t : open) {
    fills.push_back(
        {t.value("entry_time", ""), t.value("entry_price", 0.0), t.value("size", 0.0), "entry"});
  }
  std::stable_sort(fills.begin(), fills.end(),
                   [](const Fill& a, const Fill& b) { return a.time < b.time; });
  const int64_t start = std::max<int64_t>(0, OptionalInt(call, "start", 0));
  const int64_t end = std::max<int64_t>(start, OptionalInt(call, "end", start + 100));
  json orders = json::array();
  for (int64_t k = start; k < end && k < static_cast<int64_t>(fills.size()); ++k) {
    const Fill& f = fills[static_cast<size_t>(k)];
    orders.push_back(Order(k + 1, symbol, f.price, f.quantity, f.time, f.tag));
  }
  return json{{"orders", orders}, {"length", fills.size()}};
}

// backtests/read/log: the job's log lines ("<time> <level> <source>: <message>"), those holding
// `query` (case-insensitive) when it is given, lines [start, end) of them with end - start <= 200.
Result<json> LogRead(QcCall& call) {
  int64_t project_id = 0;
  std::string name;
  Result<JobRecord> job = CallerBacktest(call, &project_id, &name);
  if (!job.ok()) return job.status();
  const int64_t start = std::max<int64_t>(0, OptionalInt(call, "start", 0));
  const int64_t end = OptionalInt(call, "end", start + 200);
  if (end < start || end - start > 200) {
    return Status::InvalidArgument("end: expected start <= end <= start + 200");
  }
  auto lower = [](std::string text) {
    for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
  };
  const std::string query = lower(call.params.Get("query").value_or(""));
  std::vector<std::string> lines;
  int64_t after = 0;
  for (;;) {  // every line (a job keeps at most jobs.max_log_lines per run)
    Result<std::vector<JobLogEntry>> page =
        call.deps.store->ListJobLog(call.caller.tenant, job->id, after, 1000);
    if (!page.ok()) return page.status();
    for (const JobLogEntry& e : *page) {
      std::string line = QcTime(e.time) + " " + e.level + " " + e.source + ": " + e.message;
      if (query.empty() || lower(line).find(query) != std::string::npos) {
        lines.push_back(std::move(line));
      }
      after = e.seq;
    }
    if (page->size() < 1000) break;
  }
  json logs = json::array();
  for (int64_t k = start; k < end && k < static_cast<int64_t>(lines.size()); ++k) {
    logs.push_back(lines[static_cast<size_t>(k)]);
  }
  return json{{"logs", logs}, {"length", lines.size()}};
}

}  // namespace

void AddChartHandlers(QcHandlers* handlers) {
  (*handlers)["backtests/read/log"] = LogRead;
  (*handlers)["backtests/chart/read"] = ChartRead;
  (*handlers)["backtests/orders/read"] = OrdersRead;
}

}  // namespace btr::qcapi
