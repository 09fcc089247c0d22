// `btrouter backtest`: one native backtest of a catalogue strategy on a data file.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>

#include "cli/cli.h"
#include "cli/flags.h"
#include "cli/progress.h"
#include "cli/report.h"
#include "cli/run_settings.h"
#include "engines/catalogue/catalogue.h"
#include "engines/catalogue/catalogue_json.h"
#include "engines/core/time.h"
#include "engines/data/bar_cache.h"
#include "engines/metrics/metric_format.h"
#include "engines/metrics/metrics_json.h"
#include "engines/native/native_run.h"
#include "engines/native/strategies/native_strategies.h"
#include "engines/spec_window.h"

namespace btr::cli {
namespace {

constexpr const char* kUsage =
    "usage: btrouter backtest --data PATH --strategy NAME [--param k=v]... [flags]\n"
    "Runs one backtest on the native engine (backtesting.py 0.6.6 semantics).\n"
    "PATH is a CSV file (time,open,high,low,close[,volume]), a LEAN daily zip, a LEAN minute\n"
    "day zip, or a LEAN minute folder. --start and --end run on the bars between them only\n"
    "(both inclusive; an --end date includes that whole day), as backtesting.py does on\n"
    "df.loc[start:end]: indicators warm up inside the window.\n\n";

void Declare(Flags& f) {
  f.AddValue("data", "PATH", "bars to test on");
  f.AddValue("strategy", "NAME", "catalogue strategy (see `btrouter strategies`)");
  f.AddRepeated("param", "k=v", "strategy parameter");
  f.AddValue("start", "TIME",
             "first bar time: 2015-01-01 or 2015-01-01T09:30:00Z (default: first bar)");
  f.AddValue("end", "TIME",
             "last bar time, inclusive; a date includes its whole day (default: last bar)");
  DeclareSettings(f);
  f.AddValue("format", "table|json", "output format", "table");
  f.AddValue("out", "DIR", "also write trades.csv, equity.csv and metrics.json into DIR");
  DeclareCacheFlags(f);
  f.AddSwitch("help", "show this help");
}

Status ReadParams(const Flags& f, const StrategyInfo& info, ParamValues* params) {
  *params = ParamValues::Defaults(info.params);
  for (const std::string& assignment : f.GetAll("param")) {
    std::string_view name, value;
    BTR_RETURN_IF_ERROR(SplitAssignment(assignment, &name, &value).WithPrefix("--param"));
    BTR_RETURN_IF_ERROR(params->SetFromText(info.params, name, value).WithPrefix("--param"));
  }
  if (info.check) BTR_RETURN_IF_ERROR(info.check(*params).WithPrefix("--param"));
  return Status::Ok();
}

Status WriteText(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.close();
  if (!out) return Status::Internal("cannot write " + path.string());
  return Status::Ok();
}

Status WriteOutDir(const std::string& dir, const BarSeries& bars, const NativeRun& run) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::InvalidArgument("--out: cannot create " + dir + ": " + ec.message());
  std::vector<TradeRecord> all = run.output.trades;
  all.insert(all.end(), run.output.open_trades.begin(), run.output.open_trades.end());
  BTR_RETURN_IF_ERROR(WriteText(std::filesystem::path(dir) / "trades.csv", TradesCsv(all)));
  BTR_RETURN_IF_ERROR(WriteText(std::filesystem::path(dir) / "equity.csv",
                                EquityCsv(bars.time, run.output.equity)));
  return WriteText(std::filesystem::path(dir) / "metrics.json",
                   MetricsToJson(run.metrics).dump(2) + "\n");
}

// Parameter values in declaration order, typed as declared (bools as true/false).
nlohmann::json ParamsJson(const StrategyInfo& info, const ParamValues& params) {
  nlohmann::json out = nlohmann::json::object();
  for (const ParamSpec& spec : info.params) {
    out[spec.name] = ParamValueToJson(spec.type, params.Get(spec.name));
  }
  return out;
}

// "fast=10, slow=20, long_only=false, sl_pct=0".
std::string ParamsText(const StrategyInfo& info, const ParamValues& params) {
  std::string out;
  for (const ParamSpec& spec : info.params) {
    out += (out.empty() ? "" : ", ") + spec.name + "=" + ParamText(spec, params.Get(spec.name));
  }
  return out;
}

// --start and --end as a spec's window (normalized); errors name the flag.
Result<BacktestSpec> ReadWindow(const Flags& f) {
  BacktestSpec window;
  for (auto [flag, out] : {std::pair{"start", &window.start}, std::pair{"end", &window.end}}) {
    if (!f.Has(flag)) continue;
    Result<std::string> bound = NormalizeWindowBound(flag, f.Get(flag));
    if (!bound.ok()) return AsFlagError(bound.status());
    *out = std::move(bound).value();
  }
  BTR_RETURN_IF_ERROR(AsFlagError(SpecWindow(window).status()));
  return window;
}

// The loaded bars, the window's bars the run used, and the run, with how long each took.
struct TimedRun {
  std::unique_ptr<LoadedBars> loaded;  // a stable address: `window` may refer to its bars
  std::optional<BarWindow> window;
  NativeRun run;
  double load_s = 0, run_s = 0;
};

// Loads --data and runs the strategy with a progress bar on stderr, which is cleared before
// this returns (also on failure), so the caller prints on a clean line.
Result<TimedRun> LoadAndRun(const Flags& f, const StrategyInfo& info, const ParamValues& params,
                            const BacktestConfig& config, const BacktestSpec& window) {
  const LoadOptions load = ReadLoadOptions(f);
  ProgressBar progress;
  progress.SetPhase("loading " + std::filesystem::path(f.Get("data")).filename().string());
  auto seconds = [](auto d) { return std::chrono::duration<double>(d).count(); };
  const auto t0 = std::chrono::steady_clock::now();
  Result<LoadedBars> loaded = LoadBars(f.Get("data"), load);
  if (!loaded.ok()) return loaded.status();
  TimedRun out;
  out.loaded = std::make_unique<LoadedBars>(std::move(loaded).value());
  Result<BarWindow> cut = CutToWindow(out.loaded->bars, window);
  if (!cut.ok()) return AsFlagError(cut.status());
  out.window.emplace(std::move(cut).value());
  const auto t1 = std::chrono::steady_clock::now();
  progress.SetPhase("backtest " + info.name);
  RunControl control;
  control.progress = [&progress](double fraction) { progress.Update(fraction); };
  Result<NativeRun> run =
      RunCatalogueBacktest(out.window->bars(), info.name, params, config, control);
  if (!run.ok()) return run.status();
  out.run = std::move(*run);
  out.load_s = seconds(t1 - t0);
  out.run_s = seconds(std::chrono::steady_clock::now() - t1);
  return out;
}

int Fail(const Status& s) {
  std::fprintf(stderr, "btrouter backtest: %s\n", s.message().c_str());
  return s.code() == StatusCode::kInvalidArgument || s.code() == StatusCode::kNotFound ? 2 : 1;
}

}  // namespace

int RunBacktestCommand(int argc, char** argv) {
  Flags f;
  Declare(f);
  if (Status s = f.Parse(argc, argv, 1); !s.ok()) return Fail(s);
  if (f.Has("help")) {
    std::printf("%s%s", kUsage, f.Usage().c_str());
    return 0;
  }
  if (!f.Has("data"))
    return Fail(Status::InvalidArgument("--data: required (a CSV file or LEAN data)"));
  if (!f.Has("strategy")) {
    return Fail(Status::InvalidArgument("--strategy: required (see `btrouter strategies`)"));
  }
  const std::string format = f.Get("format");
  if (format != "table" && format != "json") {
    return Fail(Status::InvalidArgument("--format: expected table or json, got '" + format + "'"));
  }
  const StrategyInfo* info = FindStrategy(f.Get("strategy"));
  if (info == nullptr)
    return Fail(CreateStrategy(f.Get("strategy"), {}).status().WithPrefix("--strategy"));
  ParamValues params;
  BacktestConfig config;
  if (Status s = ReadParams(f, *info, &params); !s.ok()) return Fail(s);
  if (Status s = ReadConfig(f, &config); !s.ok()) return Fail(s);
  Result<BacktestSpec> window = ReadWindow(f);
  if (!window.ok()) return Fail(window.status());

  Result<TimedRun> timed = LoadAndRun(f, *info, params, config, *window);
  if (!timed.ok()) return Fail(timed.status());
  const LoadedBars& loaded = *timed->loaded;
  const BarSeries& bars = timed->window->bars();  // the bars the run used
  const NativeRun& run = timed->run;

  if (f.Has("out")) {
    if (Status s = WriteOutDir(f.Get("out"), bars, run); !s.ok()) return Fail(s);
  }
  if (format == "json") {
    const nlohmann::json document = {
        {"metrics", MetricsToJson(run.metrics)},
        {"trades", TradesToJson(run.output.trades)},
        {"open_trades", TradesToJson(run.output.open_trades)},
        {"run",
         {{"engine", "native"},
          {"strategy", info->name},
          {"params", ParamsJson(*info, params)},
          {"data", f.Get("data")},
          {"data_sha256", loaded.sha256},
          {"bars", bars.size()},
          {"dataset_bars", loaded.bars.size()},
          {"start", window->start.empty() ? nlohmann::json() : nlohmann::json(window->start)},
          {"end", window->end.empty() ? nlohmann::json() : nlohmann::json(window->end)},
          {"warmup_bars", run.output.warmup_bars},
          {"out_of_money", run.output.out_of_money},
          {"load_ms", timed->load_s * 1e3},
          {"run_ms", timed->run_s * 1e3}}},
    };
    std::cout << document.dump(2) << "\n";
    return 0;
  }
  std::printf("native backtest: %s(%s)\n", info->name.c_str(), ParamsText(*info, params).c_str());
  std::printf("  data %s: %s bars%s, sha256 %.16s...\n", f.Get("data").c_str(),
              FormatGrouped(static_cast<double>(loaded.bars.size()), 0).c_str(),
              loaded.from_cache ? " (cached)" : "", loaded.sha256.c_str());
  if (HasWindow(*window)) {
    std::printf("  window %s to %s: %s bars, %s to %s\n",
                window->start.empty() ? "the first bar" : window->start.c_str(),
                window->end.empty() ? "the last bar" : window->end.c_str(),
                FormatGrouped(static_cast<double>(bars.size()), 0).c_str(),
                FormatIsoTime(bars.time.front(), true).c_str(),
                FormatIsoTime(bars.time.back(), true).c_str());
  }
  std::printf("  %zu closed trades, %zu open at the end; loaded in %s, ran in %s\n\n",
              run.output.trades.size(), run.output.open_trades.size(),
              FormatElapsed(timed->load_s).c_str(), FormatElapsed(timed->run_s).c_str());
  std::printf("%s", FormatMetricsTable(run.metrics).c_str());
  return 0;
}

}  // namespace btr::cli
