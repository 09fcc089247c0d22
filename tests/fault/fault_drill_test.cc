// The fault drill (docs/routing.md "Fault drill"): a btrouter server with the Backtesting.py
// engine (the fake service, a real child process) and native as its fallback, under a steady
// load of jobs, while the service is killed (SIGKILL) and later started again on the same port.
// It prints a timeline: when the engine was ejected (against the configured detection bound),
// which jobs fell back and why, when the engine came back into rotation, and a summary proving
// that no job was lost. Run it by hand with tests/fault/run_drill (or build/fault_tests).
//
// Timings are printed, never asserted: the assertions are on states and counts only.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <thread>

#include "tests/fakes/service_process.h"
#include "tests/router/integration/api_server.h"

namespace btr {
namespace {

using nlohmann::json;
using testing::ApiServer;
using testing::HttpResponse;
using testing::ServiceProcess;
using Steady = std::chrono::steady_clock;

// The drill's health settings: short, so the drill takes seconds.
constexpr double kInterval = 0.2, kTimeout = 0.2, kJitterPct = 10, kBaseEjection = 1;
constexpr int kUnhealthy = 3, kHealthy = 2, kConsecutive = 3, kConcurrency = 2;
constexpr int kReconcileS = 10;  // longer than the outage: runs lost at the kill are reconciled
constexpr auto kSubmitEvery = std::chrono::milliseconds(50);

class Timeline {
 public:
  double Now() const { return std::chrono::duration<double>(Steady::now() - start_).count(); }
  void Print(const std::string& line) {
    std::lock_guard<std::mutex> lock(mu_);
    std::printf("  t=%7.3f s  %s\n", Now(), line.c_str());
    std::fflush(stdout);
  }

 private:
  const Steady::time_point start_ = Steady::now();
  std::mutex mu_;
};

// Long reasons (adapters quote whole error messages) cut for the timeline.
std::string Cut(const std::string& text, size_t max = 150) {
  return text.size() <= max ? text : text.substr(0, max) + "...";
}

std::string Secs(double seconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3f s", seconds);
  return text;
}

struct Submitted {
  std::string id;
  double at = 0;
};

TEST_CASE("fault drill: engine down, ejected, traffic to the fallback, back after heal",
          "[fault][drill]") {
  std::printf(
      "\nfault drill: backtestingpy (Backtesting.py fake service) with native as its fallback\n"
      "  health: interval_s %g, timeout_s %g, jitter_pct %g, unhealthy_threshold %d, "
      "healthy_threshold %d,\n"
      "          consecutive_failures %d, base_ejection_s %g; engines.backtestingpy.concurrency "
      "%d; engines.reconcile_timeout_s %d;\n          a job every %lld ms\n",
      kInterval, kTimeout, kJitterPct, kUnhealthy, kHealthy, kConsecutive, kBaseEjection,
      kConcurrency, kReconcileS, static_cast<long long>(kSubmitEvery.count()));
  // Active detection: the next probe is at most interval x (1 + jitter) away, and
  // unhealthy_threshold failed probes in a row, each taking at most timeout_s, eject it.
  const double bound = kUnhealthy * (kInterval * (1 + kJitterPct / 100) + kTimeout);
  std::printf(
      "  detection bound (active checks): %d x (%g x %.2f + %g) = %.2f s; failed runs may "
      "eject it sooner (%d in a row)\n\n",
      kUnhealthy, kInterval, 1 + kJitterPct / 100, kTimeout, bound, kConsecutive);

  ServiceProcess fake(testing::BacktestingPyFakeArgv({"--run-seconds", "0.1"}));
  auto str = [](double v) {
    char text[32];
    std::snprintf(text, sizeof text, "%g", v);
    return std::string(text);
  };
  ApiServer server({{"engines.backtestingpy.enabled", "true", "drill"},
                    {"engines.backtestingpy.url", fake.Url(), "drill"},
                    {"engines.backtestingpy.request_timeout_s", "2", "drill"},
                    {"engines.backtestingpy.concurrency", std::to_string(kConcurrency), "drill"},
                    {"engines.default", "backtestingpy", "drill"},
                    {"engines.fallback", "native", "drill"},
                    {"engines.reconcile_timeout_s", std::to_string(kReconcileS), "drill"},
                    {"jobs.workers", "4", "drill"},
                    {"jobs.max_active_per_tenant", "1000", "drill"},
                    {"health.interval_s", str(kInterval), "drill"},
                    {"health.timeout_s", str(kTimeout), "drill"},
                    {"health.jitter_pct", str(kJitterPct), "drill"},
                    {"health.no_traffic_interval_s", "1", "drill"},
                    {"health.unhealthy_threshold", std::to_string(kUnhealthy), "drill"},
                    {"health.healthy_threshold", std::to_string(kHealthy), "drill"},
                    {"health.consecutive_failures", std::to_string(kConsecutive), "drill"},
                    {"health.base_ejection_s", str(kBaseEjection), "drill"},
                    {"health.max_ejection_s", "5", "drill"},
                    {"log.level", "error", "drill"}});
  const std::string key = server.admin();
  const std::string dataset = server.Upload(key, testing::SharedData("GOOG.csv"), "goog");
  const std::string spec =
      json{{"strategy", {{"name", "sma_cross"}}}, {"dataset", dataset}}.dump();  // default engine

  Timeline timeline;
  timeline.Print("server up; engines: " + [&] {
    std::string out;
    for (const json& e : server.Call("GET", "/v1/engines", key).Json()) {
      out += (out.empty() ? "" : ", ") + e["name"].get<std::string>() + " " +
             e["state"].get<std::string>();
    }
    return out;
  }());

  // The watcher: every state or circuit change of backtestingpy, as GET /v1/engines shows it.
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::vector<std::pair<double, std::string>> states;  // guarded by mu: (t, state)
  std::thread watcher([&] {
    std::string last;
    while (!stop) {
      HttpResponse r = server.Call("GET", "/v1/engines/backtestingpy", key);
      const json doc = r.Json();
      if (r.code == 200 && doc.is_object()) {
        const std::string now =
            doc["state"].get<std::string>() + "/" + doc["circuit"].get<std::string>();
        if (now != last) {
          const double t = timeline.Now();
          timeline.Print("backtestingpy " + doc["state"].get<std::string>() + ", circuit " +
                         doc["circuit"].get<std::string>() +
                         (doc["reason"].is_string() ? " — " + Cut(doc["reason"].get<std::string>())
                                                    : std::string()));
          std::lock_guard<std::mutex> lock(mu);
          states.emplace_back(t, doc["state"].get<std::string>());
          last = now;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });

  // The load: one job every kSubmitEvery until told to stop.
  std::vector<Submitted> jobs;  // guarded by mu
  std::atomic<bool> stop_load{false};
  std::thread load([&] {
    while (!stop_load) {
      HttpResponse r = server.Call("POST", "/v1/backtests", key, spec);
      if (r.code == 202) {
        std::lock_guard<std::mutex> lock(mu);
        jobs.push_back({r.Json()["id"].get<std::string>(), timeline.Now()});
      } else {
        timeline.Print("submit refused: HTTP " + std::to_string(r.code) + " " + r.body);
      }
      std::this_thread::sleep_for(kSubmitEvery);
    }
  });
  timeline.Print("load started: a job every " + std::to_string(kSubmitEvery.count()) +
                 " ms (engine backtestingpy by engines.default, fallback native)");

  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  fake.Stop(SIGKILL);
  const double killed_at = timeline.Now();
  timeline.Print("KILL: the Backtesting.py service gets SIGKILL");

  auto first_state_after = [&](double t, const std::string& state) -> double {
    std::lock_guard<std::mutex> lock(mu);
    for (const auto& [at, s] : states) {
      if (at >= t && s == state) return at;
    }
    return -1;
  };
  double ejected_at = -1;
  for (int k = 0; k < 500 && ejected_at < 0; ++k) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ejected_at = first_state_after(killed_at, "ejected");
  }
  if (ejected_at >= 0) {
    timeline.Print("ejected " + Secs(ejected_at - killed_at) + " after the kill (bound " +
                   Secs(bound) + ")");
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(2000));  // the outage under load
  fake.Start(fake.port());
  const double healed_at = timeline.Now();
  timeline.Print("HEAL: the service is started again on port " + std::to_string(fake.port()));
  double back_at = -1;
  for (int k = 0; k < 1500 && back_at < 0; ++k) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    back_at = first_state_after(healed_at, "healthy");
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // traffic after the heal
  stop_load = true;
  load.join();
  timeline.Print("load stopped; waiting for every job to end");

  // Every job ends: on backtestingpy, on native with its fallback recorded, or failed with a
  // clear error. Nothing is left queued or running.
  std::vector<Submitted> all;
  {
    std::lock_guard<std::mutex> lock(mu);
    all = jobs;
  }
  int before = 0, during = 0, after = 0, on_service = 0, via_fallback = 0, unknown = 0;
  int other_failures = 0;
  double first_back = -1;  // the first job after the heal that backtestingpy served
  std::map<std::string, int> reasons;
  std::map<std::string, json> reason_example;  // a job document per kind of reason
  for (const Submitted& s : all) {
    const json job = server.WaitDone(key, s.id);
    (s.at < killed_at ? before : s.at < healed_at ? during : after)++;
    if (job["status"] == "succeeded" && job["engine_used"] == "backtestingpy") {
      ++on_service;
      if (s.at >= healed_at && first_back < 0) first_back = s.at;
    } else if (job["status"] == "succeeded" && !job["fallbacks"].empty()) {
      ++via_fallback;
      const std::string reason = job["fallbacks"][0]["reason"];
      const std::string kind = reason.substr(0, reason.find(" ("));
      const std::string key_text = kind.substr(0, kind.find(':'));
      ++reasons[key_text];
      reason_example.emplace(key_text, json{{"id", job["id"]},
                                            {"engine_requested", job["engine_requested"]},
                                            {"engine_used", job["engine_used"]},
                                            {"fallbacks", job["fallbacks"]}});
    } else if (job["status"] == "failed" && job["error"]["code"] == "unknown_outcome") {
      ++unknown;
    } else {
      ++other_failures;
      timeline.Print("unexpected: " + job.dump());
    }
  }
  stop = true;
  watcher.join();

  std::printf("\nsummary\n");
  std::printf(
      "  jobs submitted: %zu (%d before the kill, %d during the outage, %d after the "
      "heal)\n",
      all.size(), before, during, after);
  std::printf("  succeeded on backtestingpy:            %d\n", on_service);
  std::printf("  succeeded on native after a fallback:  %d\n", via_fallback);
  for (const auto& [kind, count] : reasons) {
    json example = reason_example[kind];
    example["fallbacks"][0]["reason"] = Cut(example["fallbacks"][0]["reason"], 110);
    std::printf("      %3d  fallback reason \"%s...\"\n", count, kind.c_str());
    std::printf("           e.g. GET /v1/backtests/{id}: %s\n", example.dump().c_str());
  }
  std::printf(
      "  (jobs in flight at the kill lose their replies; they are reconciled: once the service\n"
      "   is back it holds none of them, so they fall back -- the \"the reply was lost\" "
      "reason)\n");
  std::printf("  failed, outcome still unknown after reconciling (not re-run): %d\n", unknown);
  std::printf("  other failures: %d; still queued or running: 0 -> zero jobs lost\n",
              other_failures);
  const std::string ejected_text =
      ejected_at >= 0 ? Secs(ejected_at - killed_at) + " (bound " + Secs(bound) + ")" : "never";
  const std::string back_text = back_at >= 0 ? Secs(back_at - healed_at) : "never";
  const std::string first_text =
      first_back >= 0 ? "submitted " + Secs(first_back - healed_at) + " after the heal" : "none";
  std::printf("  ejected after the kill:     %s\n", ejected_text.c_str());
  std::printf("  healthy again after heal:   %s\n", back_text.c_str());
  std::printf("  first job served by backtestingpy after heal: %s\n", first_text.c_str());
  const std::string metrics = server.Call("GET", "/metrics", "").body;
  std::printf("\nmetrics (excerpt)\n");
  size_t pos = 0;
  while (pos < metrics.size()) {
    const size_t end = metrics.find('\n', pos);
    const std::string line = metrics.substr(pos, end - pos);
    if ((line.rfind("btr_engine_up", 0) == 0 || line.rfind("btr_engine_ejections_total", 0) == 0 ||
         line.rfind("btr_fallbacks_total", 0) == 0 ||
         line.rfind("btr_engine_probes_total", 0) == 0)) {
      std::printf("  %s\n", line.c_str());
    }
    if (end == std::string::npos) break;
    pos = end + 1;
  }
  std::printf("\n");

  CHECK(all.size() > 40);
  CHECK(on_service + via_fallback + unknown == static_cast<int>(all.size()));  // none lost
  CHECK(other_failures == 0);
  CHECK(unknown <= kConcurrency);
  CHECK(via_fallback > 0);
  CHECK(ejected_at >= 0);
  CHECK(back_at >= 0);
  CHECK(first_back >= 0);
  CHECK(metrics.find("btr_fallbacks_total{from=\"backtestingpy\",to=\"native\"} " +
                     std::to_string(via_fallback) + "\n") != std::string::npos);
  CHECK(metrics.find("btr_engine_up{engine=\"backtestingpy\"} 1\n") != std::string::npos);
}

}  // namespace
}  // namespace btr
