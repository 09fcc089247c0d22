// `btrouter monte-carlo ID`: Monte Carlo robustness of a finished backtest on a running server
// (POST /v1/backtests/{id}/monte-carlo): a table of each metric's original value, percentiles and
// the original's rank among the simulated paths, with P(ruin) and P(final < start); --json
// prints the API's report verbatim.
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <utility>

#include "adapters/common/http_client.h"
#include "cli/cli.h"
#include "cli/client_util.h"
#include "engines/metrics/metric_format.h"

namespace btr::cli {
namespace {

using nlohmann::json;

constexpr const char* kMonteCarloUsage =
    "usage: btrouter monte-carlo ID [--method permute|bootstrap|block_bootstrap]\n"
    "                           [--simulations N] [--seed S] [--ruin-pct P] [--json]\n"
    "                           [--block-length L] [--block-scheme stationary|circular]\n"
    "Monte Carlo robustness of a succeeded backtest, computed by the server from its trades and\n"
    "equity: permute reorders the per-trade returns (the final equity cannot change; drawdown\n"
    "and ruin do), bootstrap draws trade returns with replacement, block_bootstrap resamples\n"
    "blocks of daily returns. Prints each metric's original value, 5th/50th/95th percentiles\n"
    "and the original's rank among the paths, then P(ruin) and P(final < start).";

// The request fields and the flags that set them.
struct FieldFlag {
  const char* field;
  const char* flag;
};
constexpr FieldFlag kFieldFlags[] = {{"method", "--method"},
                                     {"simulations", "--simulations"},
                                     {"seed", "--seed"},
                                     {"block_length", "--block-length"},
                                     {"block_scheme", "--block-scheme"},
                                     {"ruin_pct", "--ruin-pct"}};

// A server error naming a request field, reworded to name its flag.
Status AsMonteCarloFlagError(const Status& s) {
  for (const FieldFlag& f : kFieldFlags) {
    const std::string prefix = std::string(f.field) + ": ";
    if (s.message().rfind(prefix, 0) == 0) {
      return Status(s.code(), std::string(f.flag) + ": " + s.message().substr(prefix.size()));
    }
  }
  return s;
}

Result<json> RequestBody(const Flags& f) {
  json body = json::object();
  if (f.Has("method")) body["method"] = f.Get("method");
  if (f.Has("block-scheme")) body["block_scheme"] = f.Get("block-scheme");
  for (const auto& [flag, field] :
       {std::pair{"simulations", "simulations"}, std::pair{"seed", "seed"},
        std::pair{"block-length", "block_length"}}) {
    if (!f.Has(flag)) continue;
    size_t value = 0;
    BTR_RETURN_IF_ERROR(f.GetSize(flag, &value));
    body[field] = value;
  }
  if (f.Has("ruin-pct")) {
    double value = 0;
    BTR_RETURN_IF_ERROR(f.GetDouble("ruin-pct", &value));
    body["ruin_pct"] = value;
  }
  return body;
}

double NumberOr(const json& doc, const char* key, double fallback) {
  auto it = doc.find(key);
  return it != doc.end() && it->is_number() ? it->get<double>() : fallback;
}

std::string MetricRow(const char* label, const json& d, MetricUnit unit) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double rank = NumberOr(d, "original_rank", nan);
  char line[256];
  std::snprintf(line, sizeof line, "  %-22s %14s %14s %14s %14s %10s\n", label,
                FormatInUnit(unit, NumberOr(d, "original", nan)).c_str(),
                FormatInUnit(unit, NumberOr(d, "p5", nan)).c_str(),
                FormatInUnit(unit, NumberOr(d, "p50", nan)).c_str(),
                FormatInUnit(unit, NumberOr(d, "p95", nan)).c_str(),
                std::isnan(rank) ? "—" : (FormatGrouped(rank, 1) + " %").c_str());
  return line;
}

// `text` in lines of at most `width` characters after `indent`.
std::string Wrapped(const std::string& text, size_t width, const std::string& indent) {
  std::string out, line;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find(' ', start);
    if (end == std::string::npos) end = text.size();
    const std::string word = text.substr(start, end - start);
    if (!line.empty() && line.size() + 1 + word.size() > width) {
      out += indent + line + "\n";
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
    start = end + 1;
  }
  if (!line.empty()) out += indent + line + "\n";
  return out;
}

std::string ReportTable(const std::string& id, const json& r) {
  const std::string unit = r.value("unit", "");
  const double simulations = NumberOr(r, "simulations", 0);
  std::string out =
      id + ": " + r.value("method", "") + " of " + FormatCount(NumberOr(r, "steps", 0)) +
      (unit == "day" ? " daily returns" : " closed trades") + ", " + FormatCount(simulations) +
      " simulations, seed " + r.value("seed", json(0)).dump();
  if (r.value("block_length", json()).is_number()) {
    out += ", " + r.value("block_scheme", "") + " blocks of " + r["block_length"].dump() + " days";
  }
  out += "\n\n";
  char header[256];
  std::snprintf(header, sizeof header, "  %-22s %14s %14s %14s %14s %10s\n", "metric", "original",
                "p5", "p50", "p95", "rank");
  out += header;
  const json& m = r.value("metrics", json::object());
  out += MetricRow("Final equity", m.value("final_equity", json::object()), MetricUnit::kMoney);
  out += MetricRow("Total return", m.value("total_return", json::object()), MetricUnit::kFraction);
  out += MetricRow("Max drawdown", m.value("max_drawdown", json::object()), MetricUnit::kFraction);
  out += MetricRow(unit == "day" ? "Sharpe (annualized)" : "Sharpe (per trade)",
                   m.value("sharpe", json::object()), MetricUnit::kRatio);
  const json& ruin = r.value("ruin", json::object());
  const json& below = r.value("final_below_start", json::object());
  out += "\n  P(ruin)           " + FormatPercent(NumberOr(ruin, "probability", 0)) + "  (" +
         FormatCount(NumberOr(ruin, "paths", 0)) + " of " + FormatCount(simulations) +
         " paths touched " + FormatMoney(NumberOr(ruin, "threshold_equity", 0)) +
         (ruin.value("original", false) ? "; so did the original" : "") + ")\n";
  out += "  P(final < start)  " + FormatPercent(NumberOr(below, "probability", 0)) + "  (" +
         FormatCount(NumberOr(below, "paths", 0)) + " of " + FormatCount(simulations) + " paths)\n";
  out += "  rank: percent of paths below the original; probabilities are (k + 1) / (paths + 1)\n";
  const double model = NumberOr(m.value("final_equity", json::object()), "original", 0);
  const double run_final = NumberOr(r, "run_final_equity", model);
  if (std::fabs(model - run_final) > 1e-6 * std::fabs(run_final)) {
    out += Wrapped("The closed trades compound to " + FormatMoney(model) + "; the run ended at " +
                       FormatMoney(run_final) + " (trades still open at the end, or overlapping).",
                   96, "  ");
  }
  out += "\n";
  out += Wrapped(r.value("invariant", json::object()).value("note", ""), 96, "  ");
  return out;
}

Result<int> MonteCarlo(const Flags& f) {
  if (f.positionals().empty()) return Status::InvalidArgument("ID: required (a backtest id)");
  Result<json> body = RequestBody(f);
  if (!body.ok()) return body.status();
  Result<ApiClient> api = Connect(f);
  if (!api.ok()) return api.status();
  const std::string id = f.positionals().front();
  Result<ApiResponse> reply = Expect2xx(api->Post("/v1/backtests/" + UrlEncode(id) + "/monte-carlo",
                                                  body->dump(), "application/json"));
  if (!reply.ok()) return AsMonteCarloFlagError(reply.status());
  if (f.Has("json")) {
    PrintBody(reply->body);
    return 0;
  }
  Result<json> report = JsonBody(*reply);
  if (!report.ok()) return report.status();
  std::printf("%s", ReportTable(id, *report).c_str());
  return 0;
}

}  // namespace

int RunMonteCarloCommand(int argc, char** argv) {
  Flags f;
  f.AddPositional("ID", "backtest id (a succeeded one)");
  f.AddValue("method", "M", "permute, bootstrap or block_bootstrap (server default: permute)");
  f.AddValue("simulations", "N", "simulated paths (server default 1000)");
  f.AddValue("seed", "S", "the generator's seed; the same seed gives the same answer");
  f.AddValue("block-length", "L", "block_bootstrap: (mean) block length in days (default ⌈n^⅓⌉)");
  f.AddValue("block-scheme", "S", "block_bootstrap: stationary (default) or circular");
  f.AddValue("ruin-pct", "P",
             "ruin when equity falls to (1 − P) × start; P in (0, 1], default 0.5");
  f.AddSwitch("json", "print the API's report (JSON) instead of the table");
  DeclareServerFlags(f);
  if (int stop = ParseOrStop(f, argc, argv, "monte-carlo", kMonteCarloUsage); stop >= 0) {
    return stop;
  }
  return ClientFinish("monte-carlo", MonteCarlo(f));
}

}  // namespace btr::cli
