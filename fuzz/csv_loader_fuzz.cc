// Fuzz target: the CSV bar loader (engines/data/csv_loader.h) on arbitrary file contents.
// Beyond the sanitizers it checks the loader's contract: an accepted series is non-empty and
// passes ValidateBars and has no more rows than the text has lines; an error message stays short
// and is valid UTF-8 (POST /v1/datasets answers it in JSON).
#include "engines/data/csv_loader.h"
#include "engines/data/parse_util.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using btr::fuzz::Check;
  const std::string_view text = btr::fuzz::AsText(data, size);
  btr::Result<btr::BarSeries> bars = btr::ParseCsv(text, "fuzz.csv");
  if (!bars.ok()) {
    Check(bars.status().code() == btr::StatusCode::kInvalidArgument, "error is InvalidArgument");
    Check(bars.status().message().size() <= btr::fuzz::kMaxMessageBytes, "short error message");
    Check(btr::fuzz::DumpsAsJson(bars.status().message()), "messages are valid UTF-8");
    return 0;
  }
  Check(!bars->empty(), "an accepted series has bars");
  Check(bars->size() < btr::data_internal::CountLines(text), "one bar per data line at most");
  Check(btr::ValidateBars(*bars).ok(), "an accepted series validates");
  return 0;
}
