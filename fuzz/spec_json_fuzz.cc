// Fuzz target: the backtest spec parser (engines/spec_json.h) on arbitrary request bodies, as
// POST /v1/backtests reads them (ParseJson, then SpecFromJson). Beyond the sanitizers it checks
// the round trip the store relies on (an accepted spec's JSON parses back to an equal spec) and
// that an error message is short and valid UTF-8 (it is answered in JSON).
#include "engines/core/json_text.h"
#include "engines/spec_json.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using btr::fuzz::Check;
  const nlohmann::json body = btr::ParseJson(btr::fuzz::AsText(data, size));
  if (body.is_discarded()) return 0;
  btr::Result<btr::BacktestSpec> spec = btr::SpecFromJson(body);
  if (!spec.ok()) {
    Check(spec.status().code() == btr::StatusCode::kInvalidArgument, "error is InvalidArgument");
    Check(spec.status().message().size() <= btr::fuzz::kMaxMessageBytes, "short error message");
    Check(btr::fuzz::DumpsAsJson(spec.status().message()), "messages are valid UTF-8");
    return 0;
  }
  // Stored as text, read back by the worker: the same spec, hence the same hash.
  const std::string stored = btr::SpecToJson(*spec).dump();
  btr::Result<btr::BacktestSpec> again = btr::SpecFromJson(btr::ParseJson(stored));
  Check(again.ok(), "a stored spec parses back");
  Check(btr::SpecHash(*again) == btr::SpecHash(*spec), "a stored spec is the same spec");
  return 0;
}
