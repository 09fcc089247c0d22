// The "algorithm" member of a backtest spec (BacktestSpec::algorithm, engines/spec.h): an
// algorithm's own source, run by the LEAN engines instead of a catalogue strategy.
//
//   "algorithm": {"language": "python",
//                 "files": {"main.py": "from AlgorithmImports import *\n..."},
//                 "parameters": {"fast": "10", "ticker": "SPY"}}
//
// Limits (kMaxAlgorithm*): 64 files, 256 KiB per file, 1 MiB in all, 100 parameters (the spec
// travels with the job: list pages, WebSocket updates, job events). Errors are
// InvalidArgument naming the field ("algorithm.files.../x.py: ..."). Pure, thread-safe.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>

#include "engines/core/status.h"
#include "engines/spec.h"

namespace btr {

inline constexpr size_t kMaxAlgorithmFiles = 64;
inline constexpr size_t kMaxAlgorithmFileBytes = size_t{256} << 10;
inline constexpr size_t kMaxAlgorithmBytes = size_t{1} << 20;
inline constexpr size_t kMaxAlgorithmParameters = 100;

// Reads `j` (the member's value) into `out`: language "python" (also "py") or "csharp" (also
// "c#", "cs"), stored as "python"/"csharp"; files an object of strings, names relative paths
// of [A-Za-z0-9_.-] parts without "." or ".." parts, at most 200 bytes, none a folder of
// another, not "config.json" (the project's LEAN configuration); a Python algorithm needs
// "main.py", a C# one a ".cs" file; parameters an object of strings, numbers or booleans
// (numbers and booleans stored as their JSON text).
Status ReadAlgorithm(const nlohmann::json& j, AlgorithmCode* out);

// {"language", "files", "parameters"}; ReadAlgorithm(AlgorithmToJson(a)) gives back `a`.
nlohmann::json AlgorithmToJson(const AlgorithmCode& algorithm);

// The settings an algorithm run cannot take: the algorithm sets its own fees, fills and
// margin in its code, so commission, commission_fixed, spread, the fill flags and a margin
// other than 1 are refused (InvalidArgument naming the setting); cash is passed on (LEAN's
// SetCash default); so is a sweep (sweeps run catalogue strategies). OK for a spec without an
// algorithm.
Status CheckAlgorithmSettings(const BacktestSpec& spec);

}  // namespace btr
