// QcCloudEngine against the fake QuantConnect API v2 (tests/fakes/fake_qc_api.py) over real
// HTTP on loopback. The fake checks the request signature, follows the documented call
// sequence and answers with LEAN-shaped results computed by the native engine on the bars the
// adapter uploaded, so a correct adapter returns the native engine's trades and equity.
// Nothing here talks to the real QuantConnect Cloud.
#include "adapters/qc_cloud/qc_cloud_engine.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <regex>

#include "engines/data/csv_loader.h"
#include "engines/native/native_engine.h"
#include "engines/catalogue/catalogue.h"
#include "tests/engines/trade_checks.h"
#include "tests/fakes/service_process.h"
#include "tests/test_util.h"

namespace btr {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using testing::Near;
using testing::QcFakeArgv;
using testing::QcFakeEnv;
using testing::ServiceProcess;

constexpr char kUser[] = "7777";
constexpr char kToken[] = "tok-5ecret-e3b0c44298fc1c149afbf4c8996fb924";
constexpr char kWrongToken[] = "tok-wrong-27ae41e4649b934ca495991b7852b855";

// Every message the engine produced in this binary, checked for secrets at the end.
std::vector<std::string>& Messages() {
  static std::vector<std::string> messages;
  return messages;
}

// A token, a request hash (64 hex digits) or an Authorization value in `text`.
bool HasSecret(const std::string& text) {
  return text.find(kToken) != std::string::npos || text.find(kWrongToken) != std::string::npos ||
         std::regex_search(text, std::regex("[0-9a-fA-F]{64}")) ||
         std::regex_search(text, std::regex("Basic [A-Za-z0-9+/=]{8,}"));
}

void CheckNoSecret(const std::string& text) {
  Messages().push_back(text);
  INFO(text);
  CHECK_FALSE(HasSecret(text));
}

ServiceProcess StartFake(std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"--user-id", kUser, "--token", kToken};
  args.insert(args.end(), extra.begin(), extra.end());
  return ServiceProcess(QcFakeArgv(args), QcFakeEnv());
}

BarSeries Goog(size_t n = 600) {
  Result<BarSeries> bars = LoadCsvFile(testing::SharedData("GOOG.csv"));
  REQUIRE(bars.ok());
  BarSeries out;
  for (size_t i = 0; i < std::min(n, bars->size()); ++i) {
    out.Append(bars->time[i], bars->open[i], bars->high[i], bars->low[i], bars->close[i],
               bars->volume[i]);
  }
  out.has_volume = bars->has_volume;
  return out;
}

BacktestSpec SmaCross() {
  BacktestSpec spec;
  spec.engine = "qc_cloud";
  spec.strategy.name = "sma_cross";
  return spec;
}

QcCloudOptions Options(const ServiceProcess& fake, const std::string& token = kToken) {
  QcCloudOptions options;
  options.client.url = fake.Url("/api/v2");
  options.client.credentials = {kUser, token};
  options.client.request_timeout = milliseconds(5000);
  options.client.max_attempts = 4;
  options.client.backoff_initial = milliseconds(5);
  options.client.backoff_max = milliseconds(20);
  options.client.jitter_seed = 42;
  options.run_timeout = milliseconds(60000);
  options.poll_initial = milliseconds(5);
  options.poll_max = milliseconds(10);
  options.chart_retry_initial = milliseconds(5);
  options.final_read_interval = milliseconds(5);
  options.cleanup_timeout = milliseconds(3000);
  return options;
}

void SetFault(const ServiceProcess& fake, const std::string& mode) {
  HttpClient http(fake.Url(), "test");
  const std::string body = "{\"mode\":\"" + mode + "\"}";
  HttpRequest request;
  request.method = "POST";
  request.path = "/_fault";
  request.body = &body;
  Result<HttpResponse> reply = http.Send(request);
  REQUIRE(reply.ok());
  REQUIRE(reply->code == 200);
}

struct Call {
  std::string endpoint;
  long code = 0;
};

std::vector<Call> Calls(const ServiceProcess& fake) {
  HttpClient http(fake.Url(), "test");
  HttpRequest request;
  request.path = "/_calls";
  Result<HttpResponse> reply = http.Send(request);
  REQUIRE(reply.ok());
  const json doc = reply->Json();
  std::vector<Call> calls;
  for (const json& call : doc["calls"]) {
    calls.push_back({call["endpoint"].get<std::string>(), call["code"].get<long>()});
  }
  return calls;
}

size_t Count(const std::vector<Call>& calls, const std::string& endpoint, long code = -1) {
  return static_cast<size_t>(std::count_if(calls.begin(), calls.end(), [&](const Call& c) {
    return c.endpoint == endpoint && (code < 0 || c.code == code);
  }));
}

// Runs sma_cross on `bars`; `on_running` (optional) is called once when the backtest runs.
Result<EngineRun> RunOnce(QcCloudEngine& engine, const BarSeries& bars,
                          std::function<void()> on_running = nullptr,
                          const std::atomic<bool>* cancel = nullptr) {
  bool fired = false;
  RunContext context;
  context.cancel = cancel;
  context.progress = [&](double, std::string_view phase) {
    CheckNoSecret(std::string(phase));
    if (phase == "running" && !fired && on_running) {
      fired = true;
      on_running();
    }
  };
  Result<EngineRun> run = engine.Run(SmaCross(), bars, context);
  if (!run.ok()) CheckNoSecret(run.status().message());
  return run;
}

void CheckCleanedUp(const std::vector<Call>& calls, bool backtest) {
  CHECK(Count(calls, "projects/delete", 200) == 1);
  if (backtest) CHECK(Count(calls, "backtests/delete", 200) == 1);
}

TEST_CASE("qc_cloud: a run gives the native engine's trades and equity", "[qc_cloud]") {
  ServiceProcess fake = StartFake();
  QcCloudEngine engine(Options(fake));
  const BarSeries bars = Goog();
  std::vector<double> progress;
  std::vector<std::string> phases;
  std::vector<std::string> log;
  RunContext context;
  context.progress = [&](double fraction, std::string_view phase) {
    progress.push_back(fraction);
    phases.emplace_back(phase);
  };
  context.log = [&](std::string_view line) { log.emplace_back(line); };
  Result<EngineRun> remote = engine.Run(SmaCross(), bars, context);
  if (!remote.ok()) FAIL(remote.status().ToString());
  NativeEngine native;
  Result<EngineRun> local = native.Run(SmaCross(), bars, {});
  REQUIRE(local.ok());

  REQUIRE(remote->equity.size() == bars.size());
  CHECK(remote->warmup_bars == local->warmup_bars);  // buy & hold measured from the same bar
  for (size_t i = 0; i < bars.size(); ++i) {
    INFO("bar " << i);
    CHECK(Near(remote->equity[i], local->equity[i], 1e-9));
  }
  REQUIRE(!local->trades.empty());
  testing::CheckSameTrades(remote->trades, local->trades,
                           {.times = false, .pnl_relative = 1e-9, .check_return_pct = false});
  CHECK(remote->engine_version == "QuantConnect Cloud (LEAN)");
  CheckNoSecret(remote->native.raw_json);
  CHECK(remote->native.raw_json.find("\"Total Orders\"") != std::string::npos);
  CHECK(remote->run_seconds > 0);

  // Progress: forward only, through the phases, ending at 1.
  REQUIRE(progress.size() >= 5);
  CHECK(std::is_sorted(progress.begin(), progress.end()));
  CHECK(progress.back() == 1.0);
  for (const char* phase : {"creating project", "compiling", "running", "fetching results"}) {
    CHECK(std::find(phases.begin(), phases.end(), phase) != phases.end());
  }
  // The job's log: the project, the backtest, each new status word once, no secret.
  REQUIRE(log.size() >= 4);
  CHECK(log[0].rfind("created project ", 0) == 0);
  CHECK(log[1].rfind("compiled (", 0) == 0);
  CHECK(log[2].find(": In Queue") != std::string::npos);
  CHECK(log[3].find(": Running") != std::string::npos);
  CHECK(log.back().find(": Completed") != std::string::npos);
  for (const std::string& line : log) CheckNoSecret(line);
  // The documented call sequence, all signed correctly, cleaned up at the end.
  const std::vector<Call> calls = Calls(fake);
  for (const Call& call : calls) CHECK(call.code == 200);
  REQUIRE(calls.size() >= 10);
  CHECK(calls[0].endpoint == "projects/create");
  CHECK(calls[1].endpoint == "files/update");
  CHECK(calls[2].endpoint == "files/create");
  CHECK(calls[3].endpoint == "compile/create");
  CHECK(Count(calls, "compile/read") == 2);
  CHECK(Count(calls, "backtests/create") == 1);
  CHECK(Count(calls, "backtests/read") == 5);        // queued, 3 × running, completed
  CHECK(Count(calls, "backtests/chart/read") == 2);  // loading once, then the chart
  CHECK(Count(calls, "backtests/orders/read") >= 2);
  CHECK(calls[calls.size() - 2].endpoint == "backtests/delete");
  CHECK(calls.back().endpoint == "projects/delete");
}

TEST_CASE("qc_cloud: the window reaches the cloud: its dates and only its bars", "[qc_cloud]") {
  ServiceProcess fake = StartFake();
  QcCloudEngine engine(Options(fake));
  const BarSeries goog = Goog(2148);
  BacktestSpec spec = SmaCross();
  spec.start = "2006-07-01";
  spec.end = "2008-06-30";
  Result<EngineRun> remote = engine.Run(spec, goog, {});
  if (!remote.ok()) FAIL(remote.status().ToString());
  // The bars from 2006-07-01 to 2008-06-30, cut here one by one.
  const TimeNs first = DaysFromCivil(2006, 7, 1) * kNsPerDay;
  const TimeNs after = DaysFromCivil(2008, 7, 1) * kNsPerDay;
  BarSeries cut;
  for (size_t i = 0; i < goog.size(); ++i) {
    if (goog.time[i] < first || goog.time[i] >= after) continue;
    cut.Append(goog.time[i], goog.open[i], goog.high[i], goog.low[i], goog.close[i],
               goog.volume[i]);
  }
  cut.has_volume = true;
  Result<EngineRun> local = NativeEngine().Run(SmaCross(), cut, {});
  REQUIRE(local.ok());
  REQUIRE(remote->equity.size() == cut.size());
  for (size_t i = 0; i < cut.size(); ++i) CHECK(Near(remote->equity[i], local->equity[i], 1e-9));
  REQUIRE_FALSE(local->trades.empty());
  testing::CheckSameTrades(remote->trades, local->trades,
                           {.times = false, .pnl_relative = 1e-9, .check_return_pct = false});
  CHECK(remote->warmup_bars == local->warmup_bars);
}

TEST_CASE("qc_cloud: backtest answered as an array, slow chart, many orders", "[qc_cloud]") {
  ServiceProcess fake = StartFake({"--fault", "backtest_array"});
  QcCloudEngine engine(Options(fake));
  const BarSeries bars = Goog(2148);
  Result<EngineRun> run = RunOnce(engine, bars);
  REQUIRE(run.ok());
  CHECK(run->equity.size() == bars.size());
  CHECK(run->trades.size() == 93);  // > 99 orders: several orders pages
  CHECK(Count(Calls(fake), "backtests/orders/read") >= 3);

  SetFault(fake, "slow_chart");
  run = RunOnce(engine, bars);
  REQUIRE(run.ok());
  CHECK(Count(Calls(fake), "backtests/chart/read") == 2 + 6);  // loading 5 times, then the chart

  QcCloudOptions impatient = Options(fake);
  impatient.chart_max_attempts = 3;
  QcCloudEngine hasty(impatient);
  run = RunOnce(hasty, bars);
  REQUIRE_FALSE(run.ok());
  CHECK(run.status().code() == StatusCode::kInternal);
  CHECK_THAT(run.status().message(), Catch::Contains("still loading after 3 reads"));
}

TEST_CASE("qc_cloud: probe authenticates", "[qc_cloud]") {
  ServiceProcess fake = StartFake();
  QcCloudEngine engine(Options(fake));
  Health up = engine.Probe(std::chrono::steady_clock::now() + milliseconds(3000));
  CHECK(up.healthy);
  CHECK(up.latency.count() > 0);
  CheckNoSecret(up.detail);

  QcCloudEngine wrong(Options(fake, kWrongToken));
  Health down = wrong.Probe(std::chrono::steady_clock::now() + milliseconds(3000));
  CHECK_FALSE(down.healthy);
  CHECK_THAT(down.detail, Catch::Contains("Hash doesn't match"));
  CheckNoSecret(down.detail);
  SetFault(fake, "unauthorized");
  down = engine.Probe(std::chrono::steady_clock::now() + milliseconds(3000));
  CHECK_FALSE(down.healthy);
  CheckNoSecret(down.detail);
  SetFault(fake, "none");

  QcCloudOptions nowhere = Options(fake);
  nowhere.client.url = "http://127.0.0.1:1/api/v2";
  QcCloudEngine unreachable(nowhere);
  down = unreachable.Probe(std::chrono::steady_clock::now() + milliseconds(2000));
  CHECK_FALSE(down.healthy);
  CheckNoSecret(down.detail);
}

TEST_CASE("qc_cloud: the fake checks signatures as documented", "[qc_cloud]") {
  ServiceProcess fake = StartFake();
  HttpClient http(fake.Url("/api/v2"), "test");
  const std::string body = "{}";
  const auto post = [&](std::vector<std::pair<std::string, std::string>> headers) {
    HttpRequest request;
    request.method = "POST";
    request.path = "/authenticate";
    request.body = &body;
    request.headers = std::move(headers);
    Result<HttpResponse> reply = http.Send(request);
    REQUIRE(reply.ok());
    return *reply;
  };
  const int64_t now = SystemClock().Now() / kNsPerSecond;
  const qc::SignedHeaders good = qc::SignAt({kUser, kToken}, now);
  CHECK(post({{"Authorization", good.authorization}, {"Timestamp", good.timestamp}}).code == 200);
  const HttpResponse no_timestamp = post({{"Authorization", good.authorization}});
  CHECK(no_timestamp.code == 401);
  CHECK(no_timestamp.Json()["success"] == false);
  CHECK_THAT(no_timestamp.Json()["errors"][0].get<std::string>(),
             Catch::StartsWith("Hash doesn't match"));
  CHECK(post({}).code == 401);
  const qc::SignedHeaders stale = qc::SignAt({kUser, kToken}, now - 7300);
  CHECK(post({{"Authorization", stale.authorization}, {"Timestamp", stale.timestamp}}).code == 401);
  const qc::SignedHeaders other_user = qc::SignAt({"1", kToken}, now);
  const HttpResponse wrong_user =
      post({{"Authorization", other_user.authorization}, {"Timestamp", other_user.timestamp}});
  CHECK(wrong_user.code == 401);
  CHECK_THAT(wrong_user.body, Catch::Contains("UserID not valid"));
}

TEST_CASE("qc_cloud: credentials are rejected without leaking them", "[qc_cloud]") {
  ServiceProcess fake = StartFake();
  const BarSeries bars = Goog(100);
  QcCloudEngine wrong(Options(fake, kWrongToken));
  Result<EngineRun> run = RunOnce(wrong, bars);
  REQUIRE_FALSE(run.ok());
  CHECK(run.status().code() == StatusCode::kUnauthenticated);
  CHECK_THAT(run.status().message(), Catch::Contains("Hash doesn't match"));
  CHECK_THAT(run.status().message(), Catch::Contains("<redacted>"));
  CHECK_THAT(run.status().message(), Catch::Contains("engines.qc_cloud.token"));

  // A clock more than 7200 s behind: the API refuses the timestamp.
  ManualClock stale(SystemClock().Now() - 8000 * kNsPerSecond);
  QcCloudOptions options = Options(fake);
  options.clock = &stale;
  QcCloudEngine late(options);
  run = RunOnce(late, bars);
  REQUIRE_FALSE(run.ok());
  CHECK(run.status().code() == StatusCode::kUnauthenticated);

  SetFault(fake, "unauthorized");
  QcCloudEngine engine(Options(fake));
  run = RunOnce(engine, bars);
  REQUIRE_FALSE(run.ok());
  CHECK(run.status().code() == StatusCode::kUnauthenticated);
  CHECK(Count(Calls(fake), "projects/create") == 3);  // one per run: 401 is never retried
}

TEST_CASE("qc_cloud: build, refusal and runtime errors", "[qc_cloud]") {
  ServiceProcess fake = StartFake({"--fault", "compile_error"});
  QcCloudEngine engine(Options(fake));
  const BarSeries bars = Goog(100);
  Result<EngineRun> run = RunOnce(engine, bars);
  REQUIRE_FALSE(run.ok());
  CHECK(run.status().code() == StatusCode::kInvalidArgument);
  CHECK_THAT(run.status().message(), Catch::Contains("could not compile"));
  CHECK_THAT(run.status().message(), Catch::Contains("Build Error File: main.py Line: 3"));
  CHECK(Count(Calls(fake), "backtests/create") == 0);
  CheckCleanedUp(Calls(fake), false);

  SetFault(fake, "success_false");
  run = RunOnce(engine, bars);
  REQUIRE_FALSE(run.ok());
  CHECK(run.status().code() == StatusCode::kInvalidArgument);
  CHECK_THAT(run.status().message(), Catch::Contains("backtests/create failed"));
  CHECK_THAT(run.status().message(), Catch::Contains("simulated refusal"));

  SetFault(fake, "runtime_error");
  run = RunOnce(engine, bars);
  REQUIRE_FALSE(run.ok());
  CHECK(run.status().code() == StatusCode::kInternal);
  CHECK_THAT(run.status().message(), Catch::Contains("Runtime Error"));
  CHECK_THAT(run.status().message(), Catch::Contains("Intentional Failure"));
  CHECK_THAT(run.status().message(), !Catch::Contains("line 42"));  // first line only
  CHECK(Count(Calls(fake), "backtests/delete", 200) == 1);
}

TEST_CASE("qc_cloud: 429 and 500 are retried for reads only", "[qc_cloud]") {
  ServiceProcess fake = StartFake();
  QcCloudEngine engine(Options(fake));
  const BarSeries bars = Goog(100);
  for (const char* mode : {"rate_limit", "server_error"}) {
    INFO(mode);
    REQUIRE(fake.port() > 0);
    SetFault(fake, "none");
    {
      HttpClient http(fake.Url(), "test");
      const std::string body = "{}";
      HttpRequest reset;
      reset.method = "POST";
      reset.path = "/_reset";
      reset.body = &body;
      REQUIRE(http.Send(reset).ok());
    }
    // While the backtest runs: the next two reads fail, are retried, and the run succeeds.
    Result<EngineRun> run = RunOnce(engine, bars, [&] { SetFault(fake, mode); });
    REQUIRE(run.ok());
    std::vector<Call> calls = Calls(fake);
    const long code = std::string(mode) == "rate_limit" ? 429 : 500;
    CHECK(Count(calls, "backtests/read", code) == 2);
    CHECK(Count(calls, "backtests/create") == 1);

    // Before anything exists: projects/create is not re-sent.
    SetFault(fake, mode);
    run = RunOnce(engine, bars);
    REQUIRE_FALSE(run.ok());
    CHECK(run.status().code() ==
          (code == 429 ? StatusCode::kUnavailable : StatusCode::kUnknownOutcome));
    CHECK_THAT(run.status().message(), Catch::Contains("projects/create"));
    calls = Calls(fake);
    CHECK(Count(calls, "projects/create", code) == 1);
  }

  // Reads that keep failing give up (bounded) while the backtest runs: outcome unknown.
  SetFault(fake, "none");
  Result<EngineRun> run = RunOnce(engine, bars, [&] { SetFault(fake, "server_error_always"); });
  REQUIRE_FALSE(run.ok());
  CHECK(run.status().code() == StatusCode::kUnknownOutcome);
  CHECK_THAT(run.status().message(), Catch::Contains("lost contact"));
  CHECK_THAT(run.status().message(), Catch::Contains("gave up after 4 attempts"));
}

TEST_CASE("qc_cloud: a lost answer to backtests/create is never re-sent", "[qc_cloud]") {
  ServiceProcess fake = StartFake({"--fault", "drop_create"});
  QcCloudEngine engine(Options(fake));
  Result<EngineRun> run = RunOnce(engine, Goog(100));
  REQUIRE_FALSE(run.ok());
  CHECK(run.status().code() == StatusCode::kUnknownOutcome);
  CHECK_THAT(run.status().message(), Catch::Contains("backtests/create"));
  CHECK_THAT(run.status().message(), Catch::Contains("not re-sent"));
  const std::vector<Call> calls = Calls(fake);
  CHECK(Count(calls, "backtests/create") == 1);
  CHECK(Count(calls, "backtests/read") == 0);
  CheckCleanedUp(calls, false);  // deleting the project removes a backtest it may hold
}

TEST_CASE("qc_cloud: Reconcile finds a lost run's project by its key: adopts or deletes",
          "[qc_cloud]") {
  const BarSeries bars = Goog(100);
  RunContext context;
  context.run_key = "bt_9.1.qc_cloud";

  SECTION("projects/create applied but unanswered: the project is found and deleted") {
    ServiceProcess fake = StartFake({"--fault", "drop_project_create"});
    QcCloudEngine engine(Options(fake));
    Result<EngineRun> run = engine.Run(SmaCross(), bars, context);
    REQUIRE(run.status().code() == StatusCode::kUnknownOutcome);
    CHECK(Count(Calls(fake), "projects/delete") == 0);  // its id never arrived
    SetFault(fake, "none");
    Result<EngineRun> answer = engine.Reconcile(SmaCross(), bars, context);
    CHECK(answer.status().code() == StatusCode::kNotFound);
    CHECK_THAT(answer.status().message(),
               Catch::Contains("of run bt_9.1.qc_cloud held no backtest and was deleted"));
    const std::vector<Call> calls = Calls(fake);
    CHECK(Count(calls, "projects/read", 200) == 1);
    CHECK(Count(calls, "projects/delete", 200) == 1);
    answer = engine.Reconcile(SmaCross(), bars, context);
    CHECK(answer.status().code() == StatusCode::kNotFound);
    CHECK_THAT(answer.status().message(), Catch::Contains("holds no project of run"));
  }
  SECTION("backtests/create unanswered: the project is kept and its backtest adopted") {
    ServiceProcess fake = StartFake({"--fault", "drop_create"});
    QcCloudEngine engine(Options(fake));
    Result<EngineRun> lost = engine.Run(SmaCross(), bars, context);
    REQUIRE(lost.status().code() == StatusCode::kUnknownOutcome);
    CHECK_THAT(lost.status().message(), Catch::Contains("was kept for reconciling"));
    CHECK(Count(Calls(fake), "projects/delete") == 0);
    SetFault(fake, "none");
    std::vector<std::string> log;
    context.log = [&](std::string_view line) { log.emplace_back(line); };
    Result<EngineRun> adopted = engine.Reconcile(SmaCross(), bars, context);
    INFO(adopted.status().ToString());
    REQUIRE(adopted.ok());
    NativeEngine native;
    Result<EngineRun> local = native.Run(SmaCross(), bars, {});
    REQUIRE(local.ok());
    CHECK(adopted->equity.size() == bars.size());
    CHECK(adopted->trades.size() == local->trades.size());
    REQUIRE_FALSE(log.empty());
    CHECK(log[0].rfind("found backtest ", 0) == 0);
    const std::vector<Call> calls = Calls(fake);
    CHECK(Count(calls, "backtests/create") == 1);  // adopted, never created again
    CHECK(Count(calls, "backtests/list", 200) == 1);
    CHECK(Count(calls, "projects/delete", 200) == 1);  // cleaned up after the adoption
    // Nothing left: asking again finds no project.
    CHECK(engine.Reconcile(SmaCross(), bars, context).status().code() == StatusCode::kNotFound);
  }
  SECTION("without a run key nothing is kept: the run cleans up as before") {
    ServiceProcess fake = StartFake({"--fault", "drop_create"});
    QcCloudEngine engine(Options(fake));
    REQUIRE(engine.Run(SmaCross(), bars, {}).status().code() == StatusCode::kUnknownOutcome);
    CHECK(Count(Calls(fake), "projects/delete", 200) == 1);
  }
  SECTION("an API that keeps failing leaves the outcome unknown") {
    ServiceProcess fake = StartFake({"--fault", "server_error_always"});
    QcCloudEngine engine(Options(fake));
    Result<EngineRun> answer = engine.Reconcile(SmaCross(), bars, context);
    CHECK(answer.status().code() == StatusCode::kUnknownOutcome);
    CHECK_THAT(answer.status().message(), Catch::Contains("cannot list projects"));
    CheckNoSecret(answer.status().message());
  }
}

TEST_CASE("qc_cloud: timeout and cancel delete the backtest and the project", "[qc_cloud]") {
  ServiceProcess fake = StartFake({"--fault", "hang"});
  QcCloudOptions options = Options(fake);
  options.run_timeout = milliseconds(1500);
  QcCloudEngine engine(options);
  const BarSeries bars = Goog(100);
  Result<EngineRun> run = RunOnce(engine, bars);
  REQUIRE_FALSE(run.ok());
  CHECK(run.status().code() == StatusCode::kDeadlineExceeded);
  CHECK_THAT(run.status().message(), Catch::Contains("engines.qc_cloud.timeout_s"));
  CheckCleanedUp(Calls(fake), true);

  HttpClient http(fake.Url(), "test");
  const std::string body = "{\"mode\":\"hang\"}";
  HttpRequest reset;
  reset.method = "POST";
  reset.path = "/_reset";
  reset.body = &body;
  REQUIRE(http.Send(reset).ok());
  std::atomic<bool> cancel{false};
  QcCloudEngine patient(Options(fake));
  run = RunOnce(
      patient, bars, [&] { cancel = true; }, &cancel);
  REQUIRE_FALSE(run.ok());
  CHECK(run.status().code() == StatusCode::kCancelled);
  CheckCleanedUp(Calls(fake), true);
}

TEST_CASE("qc_cloud: validation and limits", "[qc_cloud]") {
  QcCloudOptions options;
  options.client.url = "http://127.0.0.1:1/api/v2";
  options.client.backoff_initial = milliseconds(1);
  options.client.backoff_max = milliseconds(5);
  options.max_bars = 50;
  QcCloudEngine engine(options);
  CHECK(engine.name() == "qc_cloud");
  CHECK(engine.capabilities().supports_cancel);
  CHECK(engine.capabilities().max_bars == 50);
  for (const StrategyInfo& info : StrategyCatalogue()) {
    BacktestSpec spec;
    spec.strategy.name = info.name;
    INFO(info.name);
    CHECK(engine.Validate(spec).ok());
  }
  BacktestSpec spec = SmaCross();
  spec.trade_on_close = true;  // refused on daily bars only, which Run sees
  CHECK(engine.Validate(spec).ok());
  spec.strategy.params["fast"] = 0;
  CHECK(engine.Validate(spec).code() == StatusCode::kInvalidArgument);
  spec = SmaCross();
  spec.hedging = true;
  CHECK(engine.Validate(spec).code() == StatusCode::kInvalidArgument);
  spec.hedging = false;
  spec.strategy.name = "nope";
  CHECK(engine.Validate(spec).code() == StatusCode::kInvalidArgument);
  Result<EngineRun> run = engine.Run(SmaCross(), Goog(100), {});
  CHECK(run.status().code() == StatusCode::kInvalidArgument);
  // Nothing listens: a create that was never sent is retried (bounded), then Unavailable.
  run = engine.Run(SmaCross(), Goog(40), {});
  CHECK(run.status().code() == StatusCode::kUnavailable);
  CHECK_THAT(run.status().message(), Catch::Contains("projects/create"));
  CHECK_THAT(run.status().message(), Catch::Contains("gave up after 5 attempts"));
  CheckNoSecret(run.status().message());
}

// Runs last in file order (Catch2's default): every message and phase the runs above produced.
TEST_CASE("qc_cloud: no message carried a secret", "[qc_cloud]") {
  if (Messages().empty()) WARN("run the whole file to check the messages of every fault");
  for (const std::string& message : Messages()) {
    INFO(message);
    CHECK_FALSE(HasSecret(message));
  }
}

}  // namespace
}  // namespace btr
