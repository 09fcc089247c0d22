#include "adapters/backtestingpy/backtestingpy_wire.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <optional>

#include "engines/catalogue/catalogue.h"
#include "engines/metrics/backtestingpy_stats.h"
#include "engines/spec_window.h"

namespace btr::backtestingpy {
namespace {

using nlohmann::json;

// Appends `"name":[v0,v1,...]` writing straight into the string's buffer (numbers as
// shortest round-trip decimals: at most 24 characters for a double, 20 for an int64).
template <typename Column>
void AppendArray(std::string& out, std::string_view name, const Column& values) {
  constexpr size_t kMaxNumber = 25;
  const size_t start = out.size();
  out.resize(start + name.size() + 5 + values.size() * (kMaxNumber + 1));
  char* p = out.data() + start;
  *p++ = '"';
  p = std::copy(name.begin(), name.end(), p);
  *p++ = '"';
  *p++ = ':';
  *p++ = '[';
  for (size_t i = 0; i < values.size(); ++i) {
    if (i != 0) *p++ = ',';
    p = std::to_chars(p, p + kMaxNumber, values[i]).ptr;
  }
  *p++ = ']';
  out.resize(static_cast<size_t>(p - out.data()));
}

json Settings(const BacktestSpec& spec) {
  return {{"cash", spec.cash},
          {"commission", spec.commission},
          {"commission_fixed", spec.commission_fixed},
          {"spread", spec.spread},
          {"margin", spec.margin},
          {"trade_on_close", spec.trade_on_close},
          {"hedging", spec.hedging},
          {"exclusive_orders", spec.exclusive_orders},
          {"finalize_trades", spec.finalize_trades}};
}

Status Malformed(std::string_view what, const std::string& body) {
  return Status::Internal("backtestingpy service: malformed answer to " + std::string(what) + ": " +
                          Excerpt(body));
}

// A JSON number, or NaN for null / "NaN" (how the service writes undefined values).
double NumberOrNaN(const json& value) {
  if (value.is_number()) return value.get<double>();
  return std::numeric_limits<double>::quiet_NaN();
}

std::string StringOr(const json& doc, const char* key, std::string fallback = "") {
  auto it = doc.find(key);
  return it != doc.end() && it->is_string() ? it->get<std::string>() : fallback;
}

// A trade's time: the time of its bar when the bar is in range (exact), else its ISO text.
Result<TimeNs> TradeTime(const json& trade, const char* bar_key, const char* time_key,
                         const BarSeries& bars) {
  const json& bar = trade[bar_key];
  if (bar.is_number_integer()) {
    const long index = bar.get<long>();
    if (index >= 0 && static_cast<size_t>(index) < bars.size()) return bars.time[index];
  }
  if (trade.contains(time_key) && trade[time_key].is_string()) {
    const std::optional<TimeNs> parsed = ParseIsoTime(trade[time_key].get<std::string>());
    if (parsed) return *parsed;
  }
  return Status::Internal(std::string("trade without ") + bar_key + " or " + time_key);
}

Result<TradeRecord> ParseTrade(const json& doc, const BarSeries& bars, bool open) {
  if (!doc.is_object() || !doc.contains("size") || !doc["size"].is_number() ||
      !doc.contains("entry_bar") || !doc["entry_bar"].is_number_integer() ||
      !doc.contains("entry_price") || !doc["entry_price"].is_number()) {
    return Status::Internal("trade needs numeric size, entry_bar and entry_price: " +
                            Excerpt(doc.dump()));
  }
  TradeRecord t;
  t.size = doc["size"].get<double>();
  t.entry_bar = doc["entry_bar"].get<long>();
  t.entry_price = doc["entry_price"].get<double>();
  Result<TimeNs> entry = TradeTime(doc, "entry_bar", "entry_time", bars);
  if (!entry.ok()) return entry.status();
  t.entry_time = *entry;
  if (!open) {
    if (!doc.contains("exit_bar") || !doc["exit_bar"].is_number_integer()) {
      return Status::Internal("closed trade without exit_bar: " + Excerpt(doc.dump()));
    }
    t.exit_bar = doc["exit_bar"].get<long>();
    t.exit_price = NumberOrNaN(doc.value("exit_price", json()));
    Result<TimeNs> exit = TradeTime(doc, "exit_bar", "exit_time", bars);
    if (!exit.ok()) return exit.status();
    t.exit_time = *exit;
  }
  t.pnl = NumberOrNaN(doc.value("pnl", json()));
  t.return_pct = NumberOrNaN(doc.value("return_pct", json()));
  t.commission = doc.value("commission", json()).is_number() ? doc["commission"].get<double>() : 0;
  t.sl = NumberOrNaN(doc.value("sl", json()));
  t.tp = NumberOrNaN(doc.value("tp", json()));
  t.tag = StringOr(doc, "tag");
  return t;
}

Status ParseTrades(const json& result, const char* key, const BarSeries& bars, bool open,
                   std::vector<TradeRecord>* out) {
  auto it = result.find(key);
  if (it == result.end() || it->is_null()) return Status::Ok();
  if (!it->is_array()) return Status::Internal(std::string("result.") + key + " is not a list");
  out->reserve(it->size());
  for (const json& doc : *it) {
    Result<TradeRecord> trade = ParseTrade(doc, bars, open);
    if (!trade.ok()) return trade.status().WithPrefix(std::string("result.") + key);
    out->push_back(std::move(trade).value());
  }
  return Status::Ok();
}

}  // namespace

Result<std::string> BuildRunRequest(const BacktestSpec& spec, const BarSeries& bars,
                                    std::string_view run_key) {
  Result<ResolvedStrategy> strategy = ResolveStrategy(spec.strategy);
  if (!strategy.ok()) return strategy.status();
  json params = json::object();
  for (const ParamSpec& p : strategy->info->params) {
    const double value = strategy->params.Get(p.name);
    if (p.type == ParamType::kBool) {
      params[p.name] = value != 0;
    } else if (p.type == ParamType::kInt) {
      params[p.name] = static_cast<long long>(value);
    } else {
      params[p.name] = value;
    }
  }
  json head = {
      {"strategy", strategy->info->name}, {"params", params}, {"settings", Settings(spec)}};
  if (!run_key.empty()) head["run_key"] = run_key;
  Result<TimeWindow> window = SpecWindow(spec);
  if (!window.ok()) return window.status();
  if (!spec.start.empty()) head["start"] = window->first;
  if (!spec.end.empty()) head["end"] = window->last;
  std::string body = head.dump();
  body.pop_back();  // reopen the object to append the bars without building a DOM of them
  body += ",\"data\":{";
  AppendArray(body, "time", bars.time);
  const std::pair<std::string_view, const Column<double>*> prices[] = {{"open", &bars.open},
                                                                       {"high", &bars.high},
                                                                       {"low", &bars.low},
                                                                       {"close", &bars.close},
                                                                       {"volume", &bars.volume}};
  for (const auto& [name, column] : prices) {
    body += ',';
    AppendArray(body, name, *column);
  }
  body += "}}";
  return body;
}

Status ReplyStatus(const HttpResponse& reply, std::string_view what) {
  const json doc = reply.Json();
  std::string message;
  if (doc.is_object() && doc.contains("error") && doc["error"].is_object()) {
    const json& error = doc["error"];
    message = StringOr(error, "message");
    const std::string field = StringOr(error, "field");
    if (!field.empty() && message.rfind(field, 0) != 0) message = field + ": " + message;
  }
  if (message.empty()) message = Excerpt(reply.body);
  if (message.empty()) message = "empty answer";
  message = "backtestingpy service: " + std::string(what) + " answered HTTP " +
            std::to_string(reply.code) + ": " + message;
  if (reply.code >= 400 && reply.code < 500) return Status::InvalidArgument(message);
  return Status::Unavailable(message);
}

Result<std::string> ParseAccepted(const HttpResponse& reply) {
  const json doc = reply.Json();
  if (!doc.is_object() || !doc.contains("id") || !doc["id"].is_string() ||
      doc["id"].get_ref<const std::string&>().empty()) {
    return Malformed("POST /backtest/run", reply.body);
  }
  return doc["id"].get<std::string>();
}

Result<HistoryEntry> FindJobByRunKey(const HttpResponse& reply, std::string_view run_key) {
  const json doc = reply.Json();
  if (!doc.is_object() || !doc.contains("backtests") || !doc["backtests"].is_array()) {
    return Malformed("GET /backtest/history", reply.body);
  }
  for (const json& job : doc["backtests"]) {
    if (!job.is_object()) return Malformed("GET /backtest/history", reply.body);
    if (StringOr(job, "run_key") != run_key) continue;
    HistoryEntry entry{StringOr(job, "id"), StringOr(job, "status")};
    if (entry.id.empty()) return Malformed("GET /backtest/history", reply.body);
    return entry;
  }
  return HistoryEntry{};
}

Result<RemoteJob> ParseJob(const HttpResponse& reply) {
  const json doc = reply.Json();
  static const std::pair<std::string_view, JobState> kStates[] = {
      {"queued", JobState::kQueued},
      {"running", JobState::kRunning},
      {"done", JobState::kDone},
      {"failed", JobState::kFailed},
      {"cancelled", JobState::kCancelled}};
  if (!doc.is_object() || !doc.contains("status") || !doc["status"].is_string()) {
    return Malformed("GET /backtest/results", reply.body);
  }
  RemoteJob job;
  const std::string status = doc["status"].get<std::string>();
  bool known = false;
  for (const auto& [name, state] : kStates) {
    if (status == name) job.state = state, known = true;
  }
  if (!known) return Malformed("GET /backtest/results (unknown status)", reply.body);
  job.id = StringOr(doc, "id");
  job.progress = doc.value("progress", json()).is_number() ? doc["progress"].get<double>() : 0;
  job.library_version = StringOr(doc, "library_version", "unknown");
  job.service_version = StringOr(doc, "service_version", "unknown");
  if (doc.contains("error") && doc["error"].is_object()) {
    job.error_code = StringOr(doc["error"], "code", "internal");
    job.error_message = StringOr(doc["error"], "message", "no message");
  }
  if (job.state == JobState::kDone) {
    if (!doc.contains("result") || !doc["result"].is_object()) {
      return Malformed("GET /backtest/results (done without a result)", reply.body);
    }
    job.result = doc["result"];
  }
  return job;
}

Result<EngineRun> ParseRunResult(const json& result, const BarSeries& bars) {
  EngineRun run;
  auto equity = result.find("equity");
  if (equity == result.end() || !equity->is_array() || equity->size() != bars.size()) {
    return Status::Internal("backtestingpy service: result.equity must hold one number per bar (" +
                            std::to_string(bars.size()) + ")");
  }
  run.equity.resize(bars.size());
  for (size_t i = 0; i < bars.size(); ++i) {
    const json& v = (*equity)[i];
    if (!v.is_number()) {
      return Status::Internal("backtestingpy service: result.equity[" + std::to_string(i) +
                              "] is not a number");
    }
    run.equity[i] = v.get<double>();
  }
  Status trades = ParseTrades(result, "trades", bars, false, &run.trades);
  if (trades.ok()) trades = ParseTrades(result, "open_trades", bars, true, &run.open_trades);
  if (!trades.ok()) return Status::Internal("backtestingpy service: " + trades.message());
  const json warmup = result.value("warmup_bars", json());
  if (warmup.is_number_integer() && warmup.get<long>() >= 0 && !bars.empty()) {
    run.warmup_bars = std::min<size_t>(warmup.get<size_t>(), bars.size() - 1);
  }
  const json stats = result.value("stats", json::object());
  run.native.raw_json = stats.dump();
  run.native.metrics = MapBacktestingPyStats(stats);
  run.native.conventions = BacktestingPyConventions();
  return run;
}

}  // namespace btr::backtestingpy
