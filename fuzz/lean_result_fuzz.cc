// Fuzz target: the LEAN result reader (adapters/lean/lean_result.h) on arbitrary result files,
// read as the lean_local engine reads <algorithm-id>.json: ParseJson, LeanResultError,
// ParseLeanResult against the bars LEAN was given (three New York sessions of minute bars),
// MapLeanStatistics. Beyond the sanitizers it checks that an accepted run has one equity point
// per bar, trades on existing bars and a raw statistics document that parses back, and that
// messages are valid UTF-8 (a job's error is answered in JSON).
#include "adapters/lean/lean_result.h"
#include "engines/core/json_text.h"
#include "fuzz/fuzz_util.h"

namespace {

// Regular-session minute bars of 2023-01-03..05, the days of the LEAN fixtures' runs.
btr::BarSeries SessionMinutes() {
  btr::BarSeries bars;
  bars.symbol = "SPY";
  bars.has_volume = true;
  for (unsigned day = 3; day <= 5; ++day) {
    const btr::TimeNs midnight = btr::DaysFromCivil(2023, 1, day) * btr::kNsPerDay;
    for (int m = 0; m < 390; ++m) {
      const btr::TimeNs t = midnight + 9 * btr::kNsPerHour + (30 + m) * btr::kNsPerMinute;
      const double p = 380 + 0.01 * (m % 100);
      bars.Append(t, p, p + 0.05, p - 0.05, p, 1000);
    }
  }
  return bars;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using btr::fuzz::Check;
  static const btr::BarSeries bars = SessionMinutes();
  const std::string_view text = btr::fuzz::AsText(data, size);
  btr::lean::ParseTimeSpanSeconds(std::string(text.substr(0, 64)));
  const nlohmann::json doc = btr::ParseJson(text);
  if (doc.is_discarded()) return 0;
  btr::lean::ParseLeanNumber(doc);
  const btr::Status error = btr::lean::LeanResultError(doc);
  Check(error.ok() || error.code() == btr::StatusCode::kInternal, "a failed run is Internal");
  Check(btr::fuzz::DumpsAsJson(error.message()), "messages are valid UTF-8");
  btr::lean::MapLeanStatistics(doc);
  btr::Result<btr::EngineRun> run = btr::lean::ParseLeanResult(doc, bars);
  if (!run.ok()) {
    Check(run.status().code() == btr::StatusCode::kInternal, "a shape error is Internal");
    Check(btr::fuzz::DumpsAsJson(run.status().message()), "messages are valid UTF-8");
    return 0;
  }
  Check(run->equity.size() == bars.size(), "one equity point per bar");
  for (const btr::TradeRecord& trade : run->trades) {
    Check(trade.entry_bar >= 0 && static_cast<size_t>(trade.entry_bar) < bars.size() &&
              trade.exit_bar >= 0 && static_cast<size_t>(trade.exit_bar) < bars.size(),
          "trades lie on the bars");
  }
  Check(!btr::ParseJson(run->native.raw_json).is_discarded(), "the raw statistics parse back");
  return 0;
}
