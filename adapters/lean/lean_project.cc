// The LEAN parameters of a catalogue run: AlgorithmParameters and CatalogueWarmup
// (lean_project.h). The settings the algorithm (algorithm/main.py) cannot honour are refused
// here, before anything is launched.
#include "adapters/lean/lean_project.h"

#include <cctype>
#include <cmath>

#include "adapters/lean/lean_internal.h"
#include "engines/catalogue/catalogue.h"
#include "engines/native/strategies/native_strategies.h"
#include "engines/spec_algorithm.h"
#include "engines/spec_window.h"

namespace btr::lean {
namespace {

using internal::ShortestText;

std::string Bool(bool v) { return v ? "true" : "false"; }

std::string Date(TimeNs t) { return FormatIsoTime(t).substr(0, 10); }

Status CheckSettings(const BacktestSpec& spec, const internal::LeanLayout& layout) {
  auto bad = [](const std::string& field, const std::string& why) {
    return Status::InvalidArgument(field + ": " + why);
  };
  if (!std::isfinite(spec.cash) || spec.cash <= 0) {
    return bad("cash", "expected a number > 0, got " + ShortestText(spec.cash));
  }
  if (!std::isfinite(spec.commission) || spec.commission < 0 || spec.commission >= 0.1) {
    return bad("commission",
               "LEAN engines take a relative commission in [0, 0.1) (LEAN fees cannot be "
               "rebates), got " +
                   ShortestText(spec.commission));
  }
  if (!std::isfinite(spec.commission_fixed) || spec.commission_fixed < 0) {
    return bad("commission_fixed",
               "LEAN engines take a fixed commission >= 0 (LEAN fees cannot be rebates), got " +
                   ShortestText(spec.commission_fixed));
  }
  if (!std::isfinite(spec.spread) || spec.spread < 0 || spec.spread >= 1) {
    return bad("spread", "expected a fraction in [0, 1), got " + ShortestText(spec.spread));
  }
  if (!std::isfinite(spec.margin) || spec.margin <= 0 || spec.margin > 1) {
    return bad("margin", "expected a ratio in (0, 1], got " + ShortestText(spec.margin));
  }
  if (spec.hedging) {
    return bad("hedging",
               "LEAN nets all orders of a symbol into one position; hedging=true is not "
               "supported on LEAN engines");
  }
  if (spec.trade_on_close && layout.daily) {
    return bad("trade_on_close",
               "on daily bars LEAN fills a market order at the next session's open; it cannot "
               "fill at the close of the bar that signalled it (use minute bars, or "
               "trade_on_close=false)");
  }
  return Status::Ok();
}

}  // namespace

Result<size_t> CatalogueWarmup(const BacktestSpec& spec, const BarSeries& bars) {
  Result<ResolvedStrategy> resolved = ResolveStrategy(spec.strategy);
  if (!resolved.ok()) return resolved.status();
  Result<std::unique_ptr<Strategy>> strategy = CreateStrategy(spec.strategy.name, resolved->params);
  if (!strategy.ok()) return strategy.status();
  (*strategy)->Bind(&bars, nullptr);  // Init() computes indicators only; no broker needed
  BTR_RETURN_IF_ERROR((*strategy)->Init().WithPrefix("strategy"));
  return (*strategy)->WarmupBars();
}

Result<std::map<std::string, std::string>> AlgorithmParameters(const BacktestSpec& spec,
                                                               const BarSeries& bars) {
  Result<ResolvedStrategy> resolved = ResolveStrategy(spec.strategy);
  if (!resolved.ok()) return resolved.status();
  Result<internal::LeanLayout> layout = internal::CheckLeanBars(bars);
  if (!layout.ok()) return layout.status();
  BTR_RETURN_IF_ERROR(CheckSettings(spec, *layout));
  Result<size_t> warmup = CatalogueWarmup(spec, bars);
  if (!warmup.ok()) return warmup.status();

  std::map<std::string, std::string> p;
  p["strategy"] = resolved->info->name;
  p["cash"] = ShortestText(spec.cash);
  p["commission"] = ShortestText(spec.commission);
  p["commission_fixed"] = ShortestText(spec.commission_fixed);
  p["spread"] = ShortestText(spec.spread);
  p["margin"] = ShortestText(spec.margin);
  p["trade_on_close"] = Bool(spec.trade_on_close);
  p["exclusive_orders"] = Bool(spec.exclusive_orders);
  p["hedging"] = Bool(spec.hedging);
  p["finalize_trades"] = Bool(spec.finalize_trades);
  p["ticker"] = std::string(kTicker);
  p["resolution"] = layout->daily ? "daily" : "minute";
  p["extended_hours"] = Bool(layout->extended_hours);
  p["start"] = Date(bars.time[0]);
  p["end"] = Date(bars.time[bars.size() - 1]);
  p["bars"] = std::to_string(bars.size());
  p["warmup"] = std::to_string(*warmup);
  p["last_bar"] = FormatIsoTime(bars.time[bars.size() - 1]);
  p["finalize_bar"] = FormatIsoTime(bars.time[bars.size() - 2]);
  for (const ParamSpec& param : resolved->info->params) {
    if (p.count(param.name) != 0) {
      return Status::Internal("strategy parameter '" + param.name +
                              "' collides with a LEAN setting of the same name");
    }
    const double v = resolved->params.Get(param.name);
    switch (param.type) {
      case ParamType::kInt:
        p[param.name] = std::to_string(static_cast<long long>(v));
        break;
      case ParamType::kBool:
        p[param.name] = Bool(v != 0);
        break;
      case ParamType::kFloat:
        p[param.name] = ShortestText(v);
        break;
    }
  }
  return p;
}

Status CheckTickerParameter(const BacktestSpec& spec) {
  const auto it = spec.algorithm.parameters.find("ticker");
  if (it == spec.algorithm.parameters.end()) return Status::Ok();
  const std::string& ticker = it->second;
  const bool letter_first =
      !ticker.empty() && std::isalpha(static_cast<unsigned char>(ticker[0])) != 0;
  const bool ticker_ok =
      letter_first && ticker.size() <= 12 &&
      ticker.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.") ==
          std::string::npos;
  if (ticker_ok) return Status::Ok();
  return Status::InvalidArgument(
      "algorithm.parameters.ticker: the symbol the dataset is written as must be a letter "
      "followed by up to 11 letters, digits or '.', got '" +
      ticker.substr(0, 40) + "'");
}

Status CheckSourceSpec(const BacktestSpec& spec) {
  BTR_RETURN_IF_ERROR(CheckAlgorithmSettings(spec));
  BTR_RETURN_IF_ERROR(CheckTickerParameter(spec));
  return SpecWindow(spec).status();
}

Result<std::map<std::string, std::string>> SourceParameters(const BacktestSpec& spec,
                                                            const BarSeries& bars) {
  Result<internal::LeanLayout> layout = internal::CheckLeanBars(bars);
  if (!layout.ok()) return layout.status();
  if (!std::isfinite(spec.cash) || spec.cash <= 0) {
    return Status::InvalidArgument("cash: expected a number > 0, got " + ShortestText(spec.cash));
  }
  BTR_RETURN_IF_ERROR(CheckTickerParameter(spec));
  std::map<std::string, std::string> p = spec.algorithm.parameters;
  p.emplace("ticker", std::string(kTicker));
  p.emplace("cash", ShortestText(spec.cash));
  p.emplace("resolution", layout->daily ? "daily" : "minute");
  p.emplace("start", Date(bars.time[0]));
  p.emplace("end", Date(bars.time[bars.size() - 1]));
  p.emplace("bars", std::to_string(bars.size()));
  return p;
}

std::map<std::string, std::string> ProjectFiles(const BacktestSpec& spec) {
  if (!spec.algorithm.empty()) return spec.algorithm.files;
  return {{"main.py", std::string(AlgorithmSource())}};
}

}  // namespace btr::lean
