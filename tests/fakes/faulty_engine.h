// FaultyEngine: a test-only Engine that wraps a real one (usually a NativeEngine) under another
// name and injects the failures engines have in production, each classified as the adapters
// classify them (engines/core/status.h):
//   Fail(code)  every run fails at once with `code`, before the engine sees it (Unavailable and
//               ResourceExhausted: refused before acceptance; InvalidArgument: rejected input;
//               Internal, DeadlineExceeded, UnknownOutcome: as an adapter would report them);
//   Kill()      the engine goes away: new runs are refused (Unavailable, "connection refused"),
//               probes fail, and runs in progress lose contact (UnknownOutcome);
//   Hang()      runs block until cancelled (a run that never finishes);
//   Drop()      runs execute, then the reply is lost (UnknownOutcome); the engine holds the
//               result under the run's key for Reconcile;
//   DropUnaccepted()  the reply to a run is lost before the engine accepted it (UnknownOutcome;
//               nothing ran, nothing is held);
//   SetDelay()  every run waits this long first (cancellable; a Kill during it loses contact);
//   SetProbe()  the probe's answer and the latency it reports;
//   Throw()     Run, Reconcile and Probe throw std::runtime_error (an engine with a bug);
//   Heal()      all of the above off (the delay stays).
// Reconcile answers like a real engine: the run held under the key (once), NotFound for a key
// it holds nothing under (a run lost by Kill is not held), Unavailable while killed.
// SetReconcileSupported(false) gives Engine's default answer (FailedPrecondition) instead;
// Hold(key, run) puts a run there (one the router lost track of, as in a crash).
// Thread-safe: faults may change while runs are in progress.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "engines/engine.h"

namespace btr::testing {

class FaultyEngine final : public Engine {
 public:
  FaultyEngine(std::string name, EnginePtr inner)
      : name_(std::move(name)), inner_(std::move(inner)) {}

  // --- faults ---
  void Fail(StatusCode code, std::string message = "") {
    std::lock_guard<std::mutex> lock(mu_);
    fail_ = code;
    fail_message_ = message.empty() ? "injected " + std::string(StatusCodeName(code)) : message;
  }
  void Throw(std::string what) {
    std::lock_guard<std::mutex> lock(mu_);
    throw_ = std::move(what);
  }
  void Kill() {
    std::lock_guard<std::mutex> lock(mu_);
    down_ = true;
    ++generation_;
  }
  void Hang() {
    std::lock_guard<std::mutex> lock(mu_);
    hang_ = true;
  }
  void Drop() {
    std::lock_guard<std::mutex> lock(mu_);
    drop_ = true;
  }
  void DropUnaccepted() {
    std::lock_guard<std::mutex> lock(mu_);
    drop_unaccepted_ = true;
  }
  // The engine holds `run` under `run_key` (as if a run the router lost track of had ended).
  void Hold(const std::string& run_key, Result<EngineRun> run) {
    std::lock_guard<std::mutex> lock(mu_);
    held_.insert_or_assign(run_key, std::move(run));
  }
  std::string last_run_key() const {
    std::lock_guard<std::mutex> lock(mu_);
    return last_run_key_;
  }
  void SetReconcileSupported(bool supported) {
    std::lock_guard<std::mutex> lock(mu_);
    reconcile_supported_ = supported;
  }
  void Heal() {
    std::lock_guard<std::mutex> lock(mu_);
    fail_ = StatusCode::kOk;
    down_ = hang_ = drop_ = drop_unaccepted_ = false;
    throw_.clear();
    probe_healthy_ = true;
    probe_latency_ = {};
  }
  void SetDelay(std::chrono::milliseconds delay) {
    std::lock_guard<std::mutex> lock(mu_);
    delay_ = delay;
  }
  void SetProbe(bool healthy, std::chrono::microseconds latency = {}) {
    std::lock_guard<std::mutex> lock(mu_);
    probe_healthy_ = healthy;
    probe_latency_ = latency;
  }
  // Capabilities other than the inner engine's (empty strategies: keep the inner list).
  void SetCapabilities(std::vector<std::string> strategies, size_t max_bars) {
    std::lock_guard<std::mutex> lock(mu_);
    strategies_ = std::move(strategies);
    max_bars_ = max_bars;
  }

  // Claims to run algorithm source in `languages` (the wrapped engine is not asked to validate
  // such specs).
  void SetLanguages(std::vector<std::string> languages) {
    std::lock_guard<std::mutex> lock(mu_);
    languages_ = std::move(languages);
  }

  int runs_started() const { return runs_started_.load(); }
  int runs_completed() const { return runs_completed_.load(); }
  int probes() const { return probes_.load(); }
  int reconciles() const { return reconciles_.load(); }

  // --- Engine ---
  std::string_view name() const override { return name_; }
  EngineCapabilities capabilities() const override {
    EngineCapabilities caps = inner_->capabilities();
    std::lock_guard<std::mutex> lock(mu_);
    if (!strategies_.empty()) caps.strategies = strategies_;
    if (max_bars_ != 0) caps.max_bars = max_bars_;
    if (!languages_.empty()) caps.languages = languages_;
    return caps;
  }
  Status Validate(const BacktestSpec& spec) const override {
    if (!spec.algorithm.empty()) return Status::Ok();  // capabilities decide
    return inner_->Validate(spec);
  }
  Health Probe(std::chrono::steady_clock::time_point) override {
    ++probes_;
    std::lock_guard<std::mutex> lock(mu_);
    if (!throw_.empty()) throw std::runtime_error(throw_);
    Health h;
    h.healthy = probe_healthy_ && !down_;
    h.detail = down_       ? name_ + ": connection refused (injected: killed)"
               : h.healthy ? name_ + " ok"
                           : name_ + ": probe answered unhealthy (injected)";
    h.latency = probe_latency_;
    return h;
  }
  Result<EngineRun> Run(const BacktestSpec& spec, const BarSeries& bars,
                        const RunContext& context) override {
    ++runs_started_;
    uint64_t generation = 0;
    bool hang = false, drop = false;
    std::chrono::milliseconds delay{0};
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!throw_.empty()) throw std::runtime_error(throw_);
      if (down_) return Status::Unavailable(name_ + ": connection refused (injected: killed)");
      if (fail_ != StatusCode::kOk) return Status(fail_, fail_message_);
      if (drop_unaccepted_) {
        return Status::UnknownOutcome(name_ + ": no reply to the submit (injected: unaccepted)");
      }
      generation = generation_;
      last_run_key_ = context.run_key;
      hang = hang_;
      drop = drop_;
      delay = delay_;
    }
    const auto until = std::chrono::steady_clock::now() + delay;
    while (hang || std::chrono::steady_clock::now() < until) {
      if (context.cancel != nullptr && context.cancel->load()) {
        return Status::Cancelled(name_ + ": cancelled");
      }
      if (Killed(generation)) return LostContact();
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    Result<EngineRun> run = inner_->Run(spec, bars, context);
    if (Killed(generation)) return LostContact();
    ++runs_completed_;
    if (drop) {
      std::lock_guard<std::mutex> lock(mu_);
      held_.insert_or_assign(context.run_key, std::move(run));
      return Status::UnknownOutcome(name_ + ": the reply was lost (injected: drop)");
    }
    return run;
  }
  Result<EngineRun> Reconcile(const BacktestSpec& spec, const BarSeries& bars,
                              const RunContext& context) override {
    ++reconciles_;
    std::lock_guard<std::mutex> lock(mu_);
    if (!throw_.empty()) throw std::runtime_error(throw_);
    if (!reconcile_supported_) return Engine::Reconcile(spec, bars, context);
    if (down_) return Status::Unavailable(name_ + ": connection refused (injected: killed)");
    auto held = held_.find(context.run_key);
    if (held == held_.end()) {
      return Status::NotFound(name_ + " holds no run with key " + context.run_key);
    }
    Result<EngineRun> run = std::move(held->second);
    held_.erase(held);
    return run;
  }

 private:
  bool Killed(uint64_t generation) const {
    std::lock_guard<std::mutex> lock(mu_);
    return generation_ != generation;
  }
  Status LostContact() const {
    return Status::UnknownOutcome(name_ + ": lost contact during the run (injected: killed)");
  }

  const std::string name_;
  const EnginePtr inner_;
  mutable std::mutex mu_;
  StatusCode fail_ = StatusCode::kOk;  // guarded by mu_, as are the fields below
  std::string fail_message_;
  bool down_ = false, hang_ = false, drop_ = false, drop_unaccepted_ = false;
  std::string throw_;  // not empty: Run, Reconcile and Probe throw this
  bool reconcile_supported_ = true;
  std::map<std::string, Result<EngineRun>> held_;  // run key -> a run whose reply was lost
  std::string last_run_key_;
  uint64_t generation_ = 0;  // bumped by Kill
  std::chrono::milliseconds delay_{0};
  bool probe_healthy_ = true;
  std::chrono::microseconds probe_latency_{0};
  std::vector<std::string> strategies_;
  std::vector<std::string> languages_;
  size_t max_bars_ = 0;
  std::atomic<int> runs_started_{0}, runs_completed_{0}, probes_{0}, reconciles_{0};
};

}  // namespace btr::testing
