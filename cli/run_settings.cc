#include "cli/run_settings.h"

namespace btr::cli {

void DeclareSettings(Flags& f) {
  f.AddValue("cash", "X", "initial cash", "10000");
  f.AddValue("commission", "RATE", "commission as a fraction of traded value", "0");
  f.AddValue("commission-fixed", "X", "fixed commission in cash per order", "0");
  f.AddValue("spread", "RATE", "bid-ask spread as a fraction of price", "0");
  f.AddValue("margin", "RATIO", "margin requirement in (0, 1]; 1/margin = leverage", "1");
  f.AddSwitch("trade-on-close", "fill market orders at the signal bar's close");
  f.AddSwitch("exclusive-orders", "each new order closes open trades and cancels orders");
  f.AddSwitch("hedging", "allow long and short trades at the same time");
  f.AddSwitch("finalize-trades", "close trades still open at the end (at the last open)");
}

Status ReadConfig(const Flags& f, BacktestConfig* config) {
  BrokerConfig& b = config->broker;
  BTR_RETURN_IF_ERROR(f.GetDouble("cash", &b.cash));
  BTR_RETURN_IF_ERROR(f.GetDouble("commission", &b.commission_relative));
  BTR_RETURN_IF_ERROR(f.GetDouble("commission-fixed", &b.commission_fixed));
  BTR_RETURN_IF_ERROR(f.GetDouble("spread", &b.spread));
  BTR_RETURN_IF_ERROR(f.GetDouble("margin", &b.margin));
  b.trade_on_close = f.Has("trade-on-close");
  b.exclusive_orders = f.Has("exclusive-orders");
  b.hedging = f.Has("hedging");
  config->finalize_trades = f.Has("finalize-trades");
  // Validate names the setting; the command line user knows it as a flag.
  return AsFlagError(b.Validate());
}

void DeclareCacheFlags(Flags& f) {
  f.AddValue("cache-dir", "DIR", "binary bar cache folder (default ~/.cache/btrouter)");
  f.AddSwitch("no-cache", "parse the data file without the binary cache");
}

LoadOptions ReadLoadOptions(const Flags& f) {
  LoadOptions load;
  if (!f.Has("no-cache")) {
    load.cache_dir = f.Has("cache-dir") ? f.Get("cache-dir") : btr::DefaultCacheDir();
  }
  return load;
}

}  // namespace btr::cli
