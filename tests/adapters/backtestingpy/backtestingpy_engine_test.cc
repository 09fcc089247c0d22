// BacktestingPyEngine against the protocol-faithful fake service
// (tests/fakes/backtestingpy_fake.py) over real HTTP on loopback. The fake replays results recorded
// from real backtesting.py 0.6.6 (tests/parity/reference), so a correct adapter gives exactly the
// native engine's trades.
#include "adapters/backtestingpy/backtestingpy_engine.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "engines/data/csv_loader.h"
#include "engines/native/native_engine.h"
#include "tests/engines/trade_checks.h"
#include "tests/fakes/service_process.h"
#include "tests/test_util.h"

namespace btr {
namespace {

using std::chrono::milliseconds;
using testing::BacktestingPyFakeArgv;
using testing::Near;
using testing::ServiceProcess;

BarSeries Goog() {
  Result<BarSeries> bars = LoadCsvFile(testing::SharedData("GOOG.csv"));
  REQUIRE(bars.ok());
  return std::move(bars).value();
}

BacktestSpec SmaCross() {
  BacktestSpec spec;
  spec.engine = "backtestingpy";
  spec.strategy.name = "sma_cross";
  return spec;
}

BacktestingPyOptions Options(const ServiceProcess& fake) {
  BacktestingPyOptions options;
  options.url = fake.Url();
  options.request_timeout = milliseconds(2000);
  options.run_timeout = milliseconds(20000);
  options.poll_interval = milliseconds(20);
  return options;
}

// Sets the fake's fault mode at run time.
void SetFault(const ServiceProcess& fake, const std::string& mode, double delay_s = 0) {
  HttpClient http(fake.Url(), "test");
  const std::string body =
      "{\"mode\":\"" + mode + "\",\"delay_s\":" + std::to_string(delay_s) + "}";
  HttpRequest request;
  request.method = "POST";
  request.path = "/_fault";
  request.body = &body;
  Result<HttpResponse> reply = http.Send(request);
  REQUIRE(reply.ok());
  REQUIRE(reply->code == 200);
}

// The contract calls the fake received, as "METHOD path" lines.
std::vector<std::string> Calls(const ServiceProcess& fake) {
  HttpClient http(fake.Url(), "test");
  HttpRequest request;
  request.path = "/_calls";
  Result<HttpResponse> reply = http.Send(request);
  REQUIRE(reply.ok());
  const nlohmann::json doc = reply->Json();
  INFO(reply->body);
  REQUIRE(doc.contains("calls"));
  std::vector<std::string> out;
  for (const auto& call : doc["calls"]) {
    out.push_back(call["method"].get<std::string>() + " " + call["path"].get<std::string>());
  }
  return out;
}

bool Received(const ServiceProcess& fake, const std::string& method_and_prefix) {
  for (const std::string& call : Calls(fake)) {
    if (call.rfind(method_and_prefix, 0) == 0) return true;
  }
  return false;
}

TEST_CASE("backtestingpy adapter: same trades and equity as the native engine", "[adapter]") {
  ServiceProcess fake(BacktestingPyFakeArgv());
  BacktestingPyEngine engine(Options(fake));
  const BarSeries bars = Goog();
  std::vector<double> progress;
  std::vector<std::string> phases;
  RunContext context;
  context.progress = [&](double fraction, std::string_view phase) {
    progress.push_back(fraction);
    phases.emplace_back(phase);
  };
  Result<EngineRun> remote = engine.Run(SmaCross(), bars, context);
  REQUIRE(remote.ok());
  NativeEngine native;
  Result<EngineRun> local = native.Run(SmaCross(), bars, {});
  REQUIRE(local.ok());

  REQUIRE(remote->trades.size() == 93);
  testing::CheckSameTrades(remote->trades, local->trades);
  REQUIRE(remote->open_trades.size() == local->open_trades.size());
  REQUIRE(remote->equity.size() == bars.size());
  for (size_t i = 0; i < bars.size(); ++i) CHECK(Near(remote->equity[i], local->equity[i], 1e-9));
  CHECK(remote->warmup_bars == local->warmup_bars);

  // The library's own numbers, kept raw and mapped to canonical keys.
  CHECK(remote->native.raw_json.find("\"Sharpe Ratio\"") != std::string::npos);
  CHECK(Near(remote->native.metrics.at("total_return"),
             (local->equity.back() - local->equity.front()) / local->equity.front(), 1e-12));
  CHECK(remote->native.metrics.at("num_trades") == 93);
  CHECK(remote->native.metrics.at("max_drawdown") > 0);
  CHECK_FALSE(remote->native.same_as_canonical);
  CHECK(remote->engine_version == "backtesting 0.6.6 (replay) (btrouter-backtestingpy 1.0.0)");

  // Progress went forward and the finished job was forgotten on the service.
  REQUIRE(progress.size() >= 2);
  CHECK(std::is_sorted(progress.begin(), progress.end()));
  CHECK(phases.front() == "submitting");
  CHECK(std::find(phases.begin(), phases.end(), "running") != phases.end());
  CHECK(Received(fake, "POST /backtest/run"));
  CHECK(Received(fake, "DELETE /backtest/"));
}

TEST_CASE("backtestingpy adapter: the window reaches the service", "[adapter][window]") {
  ServiceProcess fake(BacktestingPyFakeArgv());
  BacktestingPyEngine engine(Options(fake));
  const BarSeries bars = Goog();
  // A window holding every bar: the service takes start and end, keeps every bar, and the
  // recorded run matches.
  BacktestSpec spec = SmaCross();
  spec.start = "2004-08-19";
  spec.end = "2013-03-01";
  Result<EngineRun> whole = engine.Run(spec, bars, {});
  INFO((whole.ok() ? "" : whole.status().ToString()));
  REQUIRE(whole.ok());
  CHECK(whole->trades.size() == 93);
  CHECK(whole->equity.size() == bars.size());
  // A window that cuts: the service runs on the window's bars, which no recording has; its
  // answer names the bars it was given (count and first time).
  spec.start = "2008-01-01";
  spec.end = "2009-12-31";
  size_t expected = 0;
  TimeNs first = 0;
  for (size_t i = 0; i < bars.size(); ++i) {
    const TimeNs t = bars.time[i];
    if (t < DaysFromCivil(2008, 1, 1) * kNsPerDay || t >= DaysFromCivil(2010, 1, 1) * kNsPerDay) {
      continue;
    }
    if (expected++ == 0) first = t;
  }
  Result<EngineRun> cut = engine.Run(spec, bars, {});
  REQUIRE_FALSE(cut.ok());
  CHECK_THAT(cut.status().message(), Catch::Contains("bars=" + std::to_string(expected) +
                                                     " first_time=" + std::to_string(first)));
  // A window without 2 bars fails before anything is sent.
  spec.start = "2030-01-01";
  spec.end = "";
  const size_t runs_before = Calls(fake).size();
  Result<EngineRun> empty = engine.Run(spec, bars, {});
  REQUIRE_FALSE(empty.ok());
  CHECK(empty.status().code() == StatusCode::kInvalidArgument);
  CHECK(Calls(fake).size() == runs_before);
}

TEST_CASE("backtestingpy adapter: probe", "[adapter]") {
  ServiceProcess fake(BacktestingPyFakeArgv());
  BacktestingPyEngine engine(Options(fake));
  Health up = engine.Probe(std::chrono::steady_clock::now() + milliseconds(2000));
  CHECK(up.healthy);
  CHECK(up.detail.find("0.6.6") != std::string::npos);
  CHECK(up.latency.count() > 0);
  SetFault(fake, "error500");
  Health sick = engine.Probe(std::chrono::steady_clock::now() + milliseconds(2000));
  CHECK_FALSE(sick.healthy);
  CHECK(sick.detail.find("HTTP 500") != std::string::npos);
  fake.Stop();
  Health down = engine.Probe(std::chrono::steady_clock::now() + milliseconds(2000));
  CHECK_FALSE(down.healthy);
  CHECK(down.detail.find("cannot reach") != std::string::npos);
}

TEST_CASE("backtestingpy adapter: faults end as classified errors", "[adapter]") {
  ServiceProcess fake(BacktestingPyFakeArgv());
  const BarSeries bars = Goog();
  BacktestingPyOptions options = Options(fake);

  SECTION("connection refused before acceptance is Unavailable") {
    fake.Stop();
    BacktestingPyEngine engine(options);
    Result<EngineRun> run = engine.Run(SmaCross(), bars, {});
    CHECK(run.status().code() == StatusCode::kUnavailable);
    CHECK(run.status().message().find("cannot reach") != std::string::npos);
  }
  SECTION("5xx on submit is Unavailable") {
    SetFault(fake, "error500");
    Result<EngineRun> run = BacktestingPyEngine(options).Run(SmaCross(), bars, {});
    CHECK(run.status().code() == StatusCode::kUnavailable);
    CHECK(run.status().message().find("HTTP 500") != std::string::npos);
  }
  SECTION("a 4xx is InvalidArgument carrying the service's field") {
    SetFault(fake, "reject");
    Result<EngineRun> run = BacktestingPyEngine(options).Run(SmaCross(), bars, {});
    CHECK(run.status().code() == StatusCode::kInvalidArgument);
    CHECK(run.status().message().find("strategy") != std::string::npos);
    CHECK(run.status().message().find("HTTP 400") != std::string::npos);
  }
  SECTION("malformed JSON is Internal with an excerpt") {
    SetFault(fake, "malformed");
    Result<EngineRun> run = BacktestingPyEngine(options).Run(SmaCross(), bars, {});
    CHECK(run.status().code() == StatusCode::kInternal);
    CHECK(run.status().message().find("malformed answer") != std::string::npos);
    CHECK(run.status().message().find("{") != std::string::npos);
  }
  SECTION("a slow service within the request limit still completes") {
    SetFault(fake, "slow", 0.3);
    Result<EngineRun> run = BacktestingPyEngine(options).Run(SmaCross(), bars, {});
    REQUIRE(run.ok());
    CHECK(run->trades.size() == 93);
  }
  SECTION("a service slower than the request limit is an unknown outcome") {
    SetFault(fake, "slow", 3.0);
    options.request_timeout = milliseconds(500);
    Result<EngineRun> run = BacktestingPyEngine(options).Run(SmaCross(), bars, {});
    CHECK(run.status().code() == StatusCode::kUnknownOutcome);
  }
  SECTION("a dropped connection after the upload is an unknown outcome") {
    SetFault(fake, "drop");
    Result<EngineRun> run = BacktestingPyEngine(options).Run(SmaCross(), bars, {});
    CHECK(run.status().code() == StatusCode::kUnknownOutcome);
  }
  SECTION("a job that never finishes hits the run limit and is cancelled remotely") {
    SetFault(fake, "never_finish");
    options.run_timeout = milliseconds(800);
    Result<EngineRun> run = BacktestingPyEngine(options).Run(SmaCross(), bars, {});
    CHECK(run.status().code() == StatusCode::kDeadlineExceeded);
    CHECK(run.status().message().find("engines.backtestingpy.timeout_s") != std::string::npos);
    CHECK(Received(fake, "DELETE /backtest/"));
  }
  SECTION("cancel mid-run stops the remote job") {
    SetFault(fake, "never_finish");
    std::atomic<bool> cancel{false};
    std::atomic<double> seen{-1};
    RunContext context;
    context.cancel = &cancel;
    context.progress = [&](double fraction, std::string_view) { seen = fraction; };
    std::thread canceller([&] {
      while (seen.load() < 0.5) std::this_thread::sleep_for(milliseconds(10));
      cancel = true;
    });
    Result<EngineRun> run = BacktestingPyEngine(options).Run(SmaCross(), bars, context);
    canceller.join();
    CHECK(run.status().code() == StatusCode::kCancelled);
    CHECK(Received(fake, "DELETE /backtest/"));
  }
  SECTION("a job the service fails is Internal with its message") {
    SetFault(fake, "fail_job");
    Result<EngineRun> run = BacktestingPyEngine(options).Run(SmaCross(), bars, {});
    CHECK(run.status().code() == StatusCode::kInternal);
    CHECK(run.status().message().find("failed") != std::string::npos);
  }
}

TEST_CASE("backtestingpy adapter: reconciles an unknown outcome by its run key", "[adapter]") {
  ServiceProcess fake(BacktestingPyFakeArgv());
  const BarSeries bars = Goog();
  BacktestingPyEngine engine(Options(fake));
  RunContext context;
  context.run_key = "bt_1.1.backtestingpy";
  const std::string lookup = "GET /backtest/history?limit=500&run_key=bt_1.1.backtestingpy";

  SECTION("accepted, then the reply was lost: Reconcile follows that job to its result") {
    SetFault(fake, "drop");
    Result<EngineRun> lost = engine.Run(SmaCross(), bars, context);
    REQUIRE(lost.status().code() == StatusCode::kUnknownOutcome);
    SetFault(fake, "none");
    std::vector<double> fractions;
    context.progress = [&](double f, std::string_view) { fractions.push_back(f); };
    Result<EngineRun> adopted = engine.Reconcile(SmaCross(), bars, context);
    INFO(adopted.status().ToString());
    REQUIRE(adopted.ok());
    CHECK(adopted->trades.size() == 93);
    CHECK(adopted->equity.size() == bars.size());
    CHECK_FALSE(fractions.empty());
    int submits = 0;
    for (const std::string& call : Calls(fake)) submits += call == "POST /backtest/run";
    CHECK(submits == 1);  // one run on the service, never a second
    CHECK(Received(fake, lookup));
    // The adopted job is forgotten on the service afterwards, so asking again finds nothing.
    CHECK(engine.Reconcile(SmaCross(), bars, context).status().code() == StatusCode::kNotFound);
  }
  SECTION("the submit was lost before the service accepted it: NotFound") {
    SetFault(fake, "drop_unaccepted");
    REQUIRE(engine.Run(SmaCross(), bars, context).status().code() == StatusCode::kUnknownOutcome);
    SetFault(fake, "none");
    Result<EngineRun> answer = engine.Reconcile(SmaCross(), bars, context);
    CHECK(answer.status().code() == StatusCode::kNotFound);
    CHECK(answer.status().message().find("no job with run key bt_1.1.backtestingpy") !=
          std::string::npos);
  }
  SECTION("a service that forgot the job (a restart) holds nothing: NotFound") {
    SetFault(fake, "forget");
    Result<EngineRun> lost = engine.Run(SmaCross(), bars, context);
    REQUIRE(lost.status().code() == StatusCode::kUnknownOutcome);
    CHECK(lost.status().message().find("no longer known") != std::string::npos);
    CHECK(engine.Reconcile(SmaCross(), bars, context).status().code() == StatusCode::kNotFound);
  }
  SECTION("while the service is down the outcome stays unknown") {
    fake.Stop();
    Result<EngineRun> answer = engine.Reconcile(SmaCross(), bars, context);
    CHECK(answer.status().code() == StatusCode::kUnknownOutcome);
    CHECK(answer.status().message().find("cannot look up run bt_1.1.backtestingpy") !=
          std::string::npos);
  }
  SECTION("a run sent without a key cannot be looked up") {
    CHECK(engine.Reconcile(SmaCross(), bars, {}).status().code() ==
          StatusCode::kFailedPrecondition);
  }
}

TEST_CASE("backtestingpy adapter: validation before anything is sent", "[adapter]") {
  BacktestingPyOptions options;
  options.url = "http://127.0.0.1:1";  // never contacted
  BacktestingPyEngine engine(options);
  BacktestSpec spec = SmaCross();
  spec.strategy.name = "no_such";
  CHECK(engine.Validate(spec).code() == StatusCode::kInvalidArgument);
  CHECK(engine.Validate(spec).message().rfind("strategy.name", 0) == 0);
  spec = SmaCross();
  spec.strategy.params["fast"] = 1.5;
  Result<EngineRun> run = engine.Run(spec, Goog(), {});
  CHECK(run.status().code() == StatusCode::kInvalidArgument);
  CHECK(run.status().message().rfind("strategy.params", 0) == 0);
  CHECK(engine.Validate(SmaCross()).ok());
}

}  // namespace
}  // namespace btr
