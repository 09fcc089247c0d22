// The flags of a local native run shared by `btrouter backtest` and `btrouter optimize`: the
// broker settings (cash, commission, ...) and where bars are cached. Not thread-safe (flags).
#pragma once

#include "cli/flags.h"
#include "engines/core/status.h"
#include "engines/data/bar_cache.h"
#include "engines/native/backtest.h"

namespace btr::cli {

// --cash, --commission, --commission-fixed, --spread, --margin, --trade-on-close,
// --exclusive-orders, --hedging, --finalize-trades, with the spec's defaults.
void DeclareSettings(Flags& f);
// The settings as a BacktestConfig; InvalidArgument naming the flag.
Status ReadConfig(const Flags& f, BacktestConfig* config);

// --cache-dir and --no-cache.
void DeclareCacheFlags(Flags& f);
// Where bars are cached: --cache-dir, else DefaultCacheDir() (engines/data/bar_cache.h); no
// cache with --no-cache.
LoadOptions ReadLoadOptions(const Flags& f);

}  // namespace btr::cli
