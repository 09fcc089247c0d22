// Fuzz target: the QuantConnect Cloud answer readers (adapters/qc_cloud/qc_reply.h, qc_wire.h)
// on arbitrary answers. An input is an optional first line "<HTTP status> <read|create>" (default
// "200 read") and the body. The body goes through QcReplyReader::ReadAnswer; an accepted answer
// through every per-call reader, ReadBacktestState, and ReadCloudRun as the cloud engine reads a
// finished backtest. Beyond the sanitizers it checks that no message carries the API token and
// that every message is valid UTF-8 (messages become JSON fields).
#include <string>

#include "adapters/qc_cloud/qc_reply.h"
#include "adapters/qc_cloud/qc_wire.h"
#include "fuzz/fuzz_util.h"

namespace {

using btr::fuzz::Check;
using nlohmann::json;

constexpr std::string_view kToken = "0f1e2d3c4b5a69788796a5b4c3d2e1f0-token";

struct Exchange {
  long code = 200;
  btr::qc::CallKind kind = btr::qc::CallKind::kRead;
  std::string_view body;
};

// "429 create\n{...}" -> code 429, a create, the body; anything else is a 200 read of it all.
Exchange ReadExchange(std::string_view text) {
  Exchange exchange;
  exchange.body = text;
  const size_t eol = text.find('\n');
  if (eol == std::string_view::npos || eol < 5 || text[3] != ' ') return exchange;
  long code = 0;
  for (size_t i = 0; i < 3; ++i) {
    if (text[i] < '0' || text[i] > '9') return exchange;
    code = code * 10 + (text[i] - '0');
  }
  const std::string_view kind = text.substr(4, eol - 4);
  if (kind != "read" && kind != "create") return exchange;
  exchange.code = code;
  exchange.kind = kind == "create" ? btr::qc::CallKind::kCreate : btr::qc::CallKind::kRead;
  exchange.body = text.substr(eol + 1);
  return exchange;
}

void CheckMessage(const btr::Status& status) {
  if (status.ok()) return;
  Check(status.message().find(kToken) == std::string::npos, "no message carries the token");
  Check(btr::fuzz::DumpsAsJson(status.message()), "messages are valid UTF-8");
}

template <typename T>
void CheckResult(const btr::Result<T>& result) {
  CheckMessage(result.status());
}

btr::BarSeries DailyBars() {
  btr::BarSeries bars;
  const btr::TimeNs start = btr::DaysFromCivil(2023, 1, 3) * btr::kNsPerDay;
  for (int day = 0; day < 30; ++day) {
    bars.Append(start + day * btr::kNsPerDay, 100 + day, 101 + day, 99 + day, 100 + day, 1000);
  }
  return bars;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const btr::qc::QcReplyReader reader{std::string(kToken)};
  static const btr::BarSeries bars = DailyBars();
  const Exchange exchange = ReadExchange(btr::fuzz::AsText(data, size));
  bool retryable = false;
  btr::Result<json> doc =
      reader.ReadAnswer("backtests/read", exchange.kind, exchange.code, exchange.body, &retryable);
  CheckResult(doc);
  if (!doc.ok()) {
    Check(!retryable || doc.status().code() == btr::StatusCode::kUnavailable,
          "only Unavailable is retried");
    return 0;
  }
  Check(doc->is_object(), "an accepted answer is an object");
  CheckResult(reader.ProjectId(*doc));
  CheckResult(reader.CompileId(*doc));
  CheckResult(reader.Compile(*doc));
  CheckResult(reader.BacktestId(*doc));
  CheckResult(reader.Projects(*doc));
  CheckResult(reader.BacktestIds(*doc));
  btr::Result<btr::qc::OrdersPage> orders = reader.Orders(*doc);
  CheckResult(orders);
  btr::Result<std::optional<json>> chart = reader.Chart(*doc);
  CheckResult(chart);
  btr::Result<json> backtest = reader.Backtest(*doc);
  CheckResult(backtest);
  if (!backtest.ok()) return 0;
  const btr::qc::BacktestState state = btr::qc::ReadBacktestState(*backtest);
  Check(state.progress >= 0 && state.progress <= 1, "progress is a fraction");
  const json equity = chart.ok() && chart->has_value() ? **chart : json::object();
  CheckResult(btr::qc::ReadCloudRun(reader, *backtest, equity,
                                    orders.ok() ? orders->orders : std::vector<json>(), bars));
  return 0;
}
