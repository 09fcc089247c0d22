// BuildResult: turns an engine's answer into the stored result, with btrouter's canonical
// metrics recomputed from the equity curve and trades (one definition for every engine) and the
// engine's own numbers kept beside them under "native" (verbatim, and mapped to canonical keys
// where the meaning matches). Pure; thread-safe.
#pragma once

#include <string>

#include "engines/data/bars.h"
#include "engines/engine.h"
#include "services/store/store.h"

namespace btr {

struct ResultContext {
  std::string engine;
  std::string dataset_id;
  std::string dataset_sha256;
};

// result_json: {"metrics": {...}, "native": {"raw": {...}, "metrics": {...}},
//               "conventions": {"canonical": {...}, "engine": {...}}, "trades": [...],
//               "open_trades": [...], "engine", "engine_version",
//               "dataset": {"id", "sha256", "bars"}, "warmup_bars", "run_seconds"}
// equity: the curve as raw doubles. `bars` are the bars the run used (the spec's window):
// dataset.bars counts them.
JobResult BuildResult(const BarSeries& bars, const EngineRun& run, const ResultContext& context);

// The equity blob back as doubles (empty on a malformed blob).
std::vector<double> DecodeEquity(const std::string& blob);

}  // namespace btr
