#include "engines/optimize/monte_carlo_json.h"

#include <cmath>
#include <set>
#include <string>

#include "engines/core/utf8.h"

namespace btr {
namespace {

using nlohmann::json;

constexpr const char* kFieldList =
    "method, simulations, seed, block_length, block_scheme, ruin_pct";

// A finite number as itself; NaN and infinities as null.
json Number(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

// A whole JSON number in [min, max].
Status ReadWhole(const json& body, const char* field, double min, double max, uint64_t* out) {
  if (!body.contains(field)) return Status::Ok();
  const json& v = body[field];
  const bool whole = v.is_number() && std::isfinite(v.get<double>()) &&
                     std::floor(v.get<double>()) == v.get<double>();
  if (!whole || v.get<double>() < min || v.get<double>() > max) {
    return Status::InvalidArgument(std::string(field) + ": expected a whole number in [" +
                                   std::to_string(static_cast<uint64_t>(min)) + ", " +
                                   std::to_string(static_cast<uint64_t>(max)) + "], got " +
                                   std::string(Utf8Prefix(v.dump(), 60)));
  }
  *out = v.is_number_unsigned() ? v.get<uint64_t>() : static_cast<uint64_t>(v.get<double>());
  return Status::Ok();
}

Status ReadMethod(const json& body, MonteCarloOptions* o) {
  if (!body.contains("method")) return Status::Ok();
  const json& v = body["method"];
  std::optional<MonteCarloMethod> method =
      v.is_string() ? ParseMonteCarloMethod(v.get<std::string>()) : std::nullopt;
  if (!method) {
    return Status::InvalidArgument("method: expected permute, bootstrap or block_bootstrap, got " +
                                   std::string(Utf8Prefix(v.dump(), 60)));
  }
  o->method = *method;
  return Status::Ok();
}

Status ReadBlockScheme(const json& body, MonteCarloOptions* o) {
  if (!body.contains("block_scheme")) return Status::Ok();
  const json& v = body["block_scheme"];
  std::optional<BlockScheme> scheme =
      v.is_string() ? ParseBlockScheme(v.get<std::string>()) : std::nullopt;
  if (!scheme) {
    return Status::InvalidArgument("block_scheme: expected stationary or circular, got " +
                                   std::string(Utf8Prefix(v.dump(), 60)));
  }
  o->block_scheme = *scheme;
  return Status::Ok();
}

Status ReadRuinPct(const json& body, MonteCarloOptions* o) {
  if (!body.contains("ruin_pct")) return Status::Ok();
  const json& v = body["ruin_pct"];
  if (!v.is_number() || !(v.get<double>() > 0 && v.get<double>() <= 1)) {
    return Status::InvalidArgument(
        "ruin_pct: expected a fraction in (0, 1] (0.5: ruin at half the start equity), got " +
        std::string(Utf8Prefix(v.dump(), 60)));
  }
  o->ruin_pct = v.get<double>();
  return Status::Ok();
}

json DistributionJson(const MonteCarloDistribution& d) {
  json out = {{"original", Number(d.original)}, {"mean", Number(d.mean)}};
  for (size_t k = 0; k < kMonteCarloPercentiles.size(); ++k) {
    out["p" + std::to_string(static_cast<int>(kMonteCarloPercentiles[k]))] =
        Number(d.percentiles[k]);
  }
  out["original_rank"] = Number(d.original_rank);
  out["paths"] = d.paths;
  return out;
}

json FanChartJson(const MonteCarloFanChart& fan) {
  json out = {{"paths", fan.paths}, {"step", fan.steps}};
  if (!fan.times.empty()) {
    json times = json::array();
    for (TimeNs t : fan.times) times.push_back(FormatIsoTime(t, true));
    out["time"] = std::move(times);
  }
  for (size_t k = 0; k < kMonteCarloPercentiles.size(); ++k) {
    json band = json::array();
    for (double v : fan.bands[k]) band.push_back(Number(v));
    out["p" + std::to_string(static_cast<int>(kMonteCarloPercentiles[k]))] = std::move(band);
  }
  json original = json::array();
  for (double v : fan.original) original.push_back(Number(v));
  out["original"] = std::move(original);
  return out;
}

Status ReadTradeNumber(const json& trade, size_t k, const char* field, double* out) {
  const auto it = trade.find(field);
  if (it == trade.end() || !it->is_number()) {
    return Status::InvalidArgument("trades[" + std::to_string(k) + "]." + field +
                                   ": expected a number in the stored result");
  }
  *out = it->get<double>();
  return Status::Ok();
}

// A bar number: a whole number in [-1, 2^53].
Status ReadTradeBar(const json& trade, size_t k, const char* field, long* out) {
  double value = 0;
  BTR_RETURN_IF_ERROR(ReadTradeNumber(trade, k, field, &value));
  if (!(value >= -1 && value <= 0x1.0p53) || std::floor(value) != value) {
    return Status::InvalidArgument("trades[" + std::to_string(k) + "]." + field +
                                   ": expected a bar number");
  }
  *out = static_cast<long>(value);
  return Status::Ok();
}

TimeNs ReadTradeTime(const json& trade, const char* field) {
  const auto it = trade.find(field);
  if (it == trade.end() || !it->is_string()) return 0;
  return ParseIsoTime(it->get<std::string>()).value_or(0);
}

}  // namespace

Result<MonteCarloOptions> MonteCarloOptionsFromJson(const json& body) {
  MonteCarloOptions o;
  if (body.is_null()) return o;
  if (!body.is_object()) {
    return Status::InvalidArgument(std::string("body: expected a JSON object with any of ") +
                                   kFieldList);
  }
  static const std::set<std::string, std::less<>> kFields = {
      "method", "simulations", "seed", "block_length", "block_scheme", "ruin_pct"};
  for (const auto& [key, value] : body.items()) {
    if (kFields.count(key) == 0) {
      return Status::InvalidArgument(std::string(Utf8Prefix(key, 60)) +
                                     ": unknown field (expected " + kFieldList + ")");
    }
  }
  BTR_RETURN_IF_ERROR(ReadMethod(body, &o));
  uint64_t simulations = o.simulations, block_length = 0;
  BTR_RETURN_IF_ERROR(
      ReadWhole(body, "simulations", 1, static_cast<double>(kMaxSimulations), &simulations));
  BTR_RETURN_IF_ERROR(ReadWhole(body, "seed", 0, static_cast<double>(kMaxMonteCarloSeed), &o.seed));
  BTR_RETURN_IF_ERROR(ReadWhole(body, "block_length", 1, 1e9, &block_length));
  BTR_RETURN_IF_ERROR(ReadBlockScheme(body, &o));
  BTR_RETURN_IF_ERROR(ReadRuinPct(body, &o));
  o.simulations = static_cast<size_t>(simulations);
  o.block_length = static_cast<size_t>(block_length);
  if (o.method != MonteCarloMethod::kBlockBootstrap) {
    for (const char* field : {"block_length", "block_scheme"}) {
      if (body.contains(field)) {
        return Status::InvalidArgument(std::string(field) +
                                       ": only method block_bootstrap uses blocks (method is " +
                                       std::string(MonteCarloMethodName(o.method)) + ")");
      }
    }
  }
  return o;
}

json MonteCarloReportToJson(const MonteCarloReport& r) {
  const MonteCarloOptions& o = r.options;
  const bool blocks = o.method == MonteCarloMethod::kBlockBootstrap;
  return {
      {"method", std::string(MonteCarloMethodName(o.method))},
      {"unit", std::string(MonteCarloUnitName(r.unit))},
      {"simulations", o.simulations},
      {"seed", o.seed},
      {"ruin_pct", o.ruin_pct},
      {"block_length", blocks ? json(o.block_length) : json(nullptr)},
      {"block_scheme", blocks ? json(std::string(BlockSchemeName(o.block_scheme))) : json(nullptr)},
      {"steps", r.steps},
      {"start_equity", r.start_equity},
      {"run_final_equity", Number(r.run_final_equity)},
      {"sharpe_annualization", Number(r.sharpe_annualization)},
      {"metrics",
       {{"final_equity", DistributionJson(r.final_equity)},
        {"total_return", DistributionJson(r.total_return)},
        {"max_drawdown", DistributionJson(r.max_drawdown)},
        {"sharpe", DistributionJson(r.sharpe)}}},
      {"ruin",
       {{"threshold_equity", r.ruin_equity},
        {"paths", r.ruin.paths},
        {"probability", r.ruin.probability},
        {"original", r.original_ruined}}},
      {"final_below_start",
       {{"paths", r.final_below_start.paths}, {"probability", r.final_below_start.probability}}},
      {"fan_chart", FanChartJson(r.fan_chart)},
      {"invariant",
       {{"final_equity_spread", Number(r.final_equity_spread)}, {"note", r.invariant_note}}},
  };
}

Result<std::vector<TradeRecord>> ClosedTradesFromJson(const json& trades) {
  if (!trades.is_array()) return Status::InvalidArgument("trades: expected an array");
  std::vector<TradeRecord> out;
  out.reserve(trades.size());
  for (size_t k = 0; k < trades.size(); ++k) {
    const json& t = trades[k];
    if (!t.is_object()) {
      return Status::InvalidArgument("trades[" + std::to_string(k) + "]: expected an object");
    }
    TradeRecord trade;
    BTR_RETURN_IF_ERROR(ReadTradeBar(t, k, "entry_bar", &trade.entry_bar));
    BTR_RETURN_IF_ERROR(ReadTradeBar(t, k, "exit_bar", &trade.exit_bar));
    BTR_RETURN_IF_ERROR(ReadTradeNumber(t, k, "pnl", &trade.pnl));
    trade.entry_time = ReadTradeTime(t, "entry_time");
    trade.exit_time = ReadTradeTime(t, "exit_time");
    out.push_back(std::move(trade));
  }
  return out;
}

}  // namespace btr
