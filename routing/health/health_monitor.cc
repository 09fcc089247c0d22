#include "routing/health/health_monitor.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <exception>
#include <random>

#include "services/log/logger.h"

namespace btr {

struct HealthMonitor::Slot {
  Slot(Engine* e, const HealthOptions& options)
      : engine(e), health(std::string(e->name()), options) {}
  Engine* const engine;
  EngineHealth health;                           // guarded by mu_
  EngineState reported = EngineState::kEjected;  // guarded by mu_; before the first probe
  bool probing = false;                          // guarded by mu_
};

HealthMonitor::HealthMonitor(const EngineRegistry* engines, const Clock* clock,
                             HealthOptions options, HealthHooks hooks,
                             std::function<double()> random)
    : clock_(clock),
      options_(std::move(options)),
      hooks_(std::move(hooks)),
      random_(std::move(random)) {
  if (!random_) {
    auto rng = std::make_shared<std::mt19937_64>(std::random_device{}());
    random_ = [rng] { return std::uniform_real_distribution<double>(0.0, 1.0)(*rng); };
  }
  for (Engine* engine : engines->All()) {
    slots_.emplace(std::string(engine->name()), std::make_unique<Slot>(engine, options_));
  }
}

HealthMonitor::~HealthMonitor() { Stop(); }

HealthMonitor::Slot* HealthMonitor::Find(std::string_view engine) const {
  auto it = slots_.find(engine);
  return it == slots_.end() ? nullptr : it->second.get();
}

Status HealthMonitor::NotFound(std::string_view engine) const {
  std::string names;
  for (const auto& [name, slot] : slots_) names += (names.empty() ? "" : ", ") + name;
  return Status::NotFound("name: no engine '" + std::string(engine) + "' (available: " + names +
                          ")");
}

void HealthMonitor::Fire(const Events& events) {
  for (const auto& event : events) event();
}

void HealthMonitor::NoteState(Slot* slot, TimeNs now, Events* events) {
  const EngineState state = slot->health.State(now);
  if (state == slot->reported) return;
  const EngineState from = slot->reported;
  slot->reported = state;
  const std::string engine = slot->health.name();
  const std::string reason = slot->health.Snapshot(now).reason;
  events->push_back([this, engine, from, state, reason] {
    const bool worse = state == EngineState::kEjected || state == EngineState::kDegraded;
    DefaultLogger().Log(worse ? LogLevel::kWarn : LogLevel::kInfo, "engine state changed",
                        {{"engine", engine},
                         {"from", EngineStateName(from)},
                         {"to", EngineStateName(state)},
                         {"reason", reason}});
    if (hooks_.state_changed) hooks_.state_changed(engine, from, state, reason);
  });
}

// --- probes -------------------------------------------------------------------------------------

namespace {

// The engine's probe; one that throws answers unhealthy (what it said goes to the server log),
// so a probe thread never ends on an engine's exception.
Health GuardedProbe(Engine& engine, std::chrono::steady_clock::time_point deadline) {
  std::string what;
  try {
    return engine.Probe(deadline);
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
    what = "an exception that is not a std::exception";
  }
  DefaultLogger().Log(LogLevel::kError, "engine probe threw",
                      {{"engine", std::string(engine.name())}, {"exception", what}});
  Health failed;
  failed.healthy = false;
  failed.detail = "the probe failed unexpectedly (an exception; see the server log)";
  return failed;
}

}  // namespace

void HealthMonitor::ProbeOne(Slot* slot) {
  using Steady = std::chrono::steady_clock;
  const Steady::time_point start = Steady::now();
  const auto timeout = std::chrono::duration_cast<Steady::duration>(
      std::chrono::duration<double>(options_.timeout_s));
  const Health answer = GuardedProbe(*slot->engine, start + timeout);
  const double measured = std::chrono::duration<double>(Steady::now() - start).count();
  const double latency = std::max(measured, std::chrono::duration<double>(answer.latency).count());
  const bool ok = answer.healthy && latency <= options_.timeout_s;
  std::string detail = answer.detail;
  if (answer.healthy && !ok) {
    char text[160];
    std::snprintf(text, sizeof text, "answered in %.3f s, over health.timeout_s = %g s", latency,
                  options_.timeout_s);
    detail = text;
  }
  Events events;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const TimeNs now = clock_->Now();
    slot->health.RecordProbe(now, ok, latency, detail);
    slot->health.ScheduleProbe(now, random_());
    slot->probing = false;
    NoteState(slot, now, &events);
    if (hooks_.probe) {
      const std::string engine = slot->health.name();
      events.push_back([this, engine, ok, latency] { hooks_.probe(engine, ok, latency); });
    }
  }
  cv_.notify_all();
  Fire(events);
}

void HealthMonitor::ProbeLoop(Slot* slot) {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    const TimeNs now = clock_->Now();
    if (slot->probing || !slot->health.ProbeDue(now)) {
      // Waits are capped so that a disabled engine, or a clock that jumps, is looked at again.
      const TimeNs until = slot->health.next_probe_at();
      const TimeNs wait = std::clamp<TimeNs>(until - now, 1'000'000, kNsPerSecond);
      cv_.wait_for(lock, std::chrono::nanoseconds(wait));
      continue;
    }
    slot->probing = true;
    lock.unlock();
    ProbeOne(slot);
    lock.lock();
  }
}

void HealthMonitor::Start() {
  std::unique_lock<std::mutex> lock(mu_);
  if (started_) return;
  started_ = true;
  for (auto& [name, slot] : slots_) {
    Slot* s = slot.get();
    threads_.emplace_back([this, s] { ProbeLoop(s); });
  }
  // The first round: every engine is due at once, each on its own thread.
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                            std::chrono::duration<double>(options_.timeout_s + 1));
  cv_.wait_until(lock, deadline, [this] {
    return std::all_of(slots_.begin(), slots_.end(), [](const auto& entry) {
      return entry.second->health.probes() > 0 || !entry.second->health.enabled();
    });
  });
}

void HealthMonitor::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (std::thread& t : threads_) t.join();
  threads_.clear();
}

size_t HealthMonitor::RunDueProbes() {
  size_t ran = 0;
  for (auto& [name, slot] : slots_) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (slot->probing || !slot->health.ProbeDue(clock_->Now())) continue;
      slot->probing = true;
    }
    ProbeOne(slot.get());
    ++ran;
  }
  return ran;
}

// --- routing ------------------------------------------------------------------------------------

Admission HealthMonitor::Check(std::string_view engine) const {
  std::lock_guard<std::mutex> lock(mu_);
  const Slot* slot = Find(engine);
  if (slot == nullptr) {
    Admission a;
    a.state = EngineState::kDisabled;
    a.reason = "unknown engine";
    return a;
  }
  return slot->health.Check(clock_->Now());
}

Admission HealthMonitor::Admit(std::string_view engine) {
  Events events;
  Admission a;
  {
    std::lock_guard<std::mutex> lock(mu_);
    Slot* slot = Find(engine);
    if (slot == nullptr) {
      a.state = EngineState::kDisabled;
      a.reason = "unknown engine";
      return a;
    }
    const TimeNs now = clock_->Now();
    a = slot->health.Admit(now);
    NoteState(slot, now, &events);
  }
  Fire(events);
  return a;
}

void HealthMonitor::Release(std::string_view engine, const Admission& admission) {
  std::lock_guard<std::mutex> lock(mu_);
  if (Slot* slot = Find(engine)) slot->health.Release(admission);
}

void HealthMonitor::RecordRun(std::string_view engine, const Admission& admission,
                              const Status& status, double seconds) {
  Events events;
  {
    std::lock_guard<std::mutex> lock(mu_);
    Slot* slot = Find(engine);
    if (slot == nullptr) return;
    const TimeNs now = clock_->Now();
    if (slot->health.RecordRun(now, admission, status, seconds)) {
      size_t enabled = 0, ejected = 0, routable_others = 0;
      for (const auto& [name, other] : slots_) {
        if (!other->health.enabled()) continue;
        ++enabled;
        if (other.get() == slot) continue;
        if (other->health.outlier_ejected(now)) ++ejected;
        if (other->health.routable(now)) ++routable_others;
      }
      std::string why;
      // A failed trial re-ejects an engine that the cap already counts.
      if (admission.trial || OutlierEjectionAllowed(enabled, ejected, routable_others,
                                                    options_.max_ejection_pct, &why)) {
        slot->health.Eject(now);
        const std::string name = slot->health.name();
        const std::string reason = slot->health.Snapshot(now).reason;
        events.push_back([this, name, reason] {
          DefaultLogger().Log(LogLevel::kWarn, "engine ejected",
                              {{"engine", name}, {"reason", reason}});
          if (hooks_.ejected) hooks_.ejected(name, reason);
        });
      } else {
        slot->health.RefuseEjection(why);
      }
    }
    NoteState(slot, now, &events);
  }
  Fire(events);
}

// --- reading and admin --------------------------------------------------------------------------

Result<EngineHealthStatus> HealthMonitor::Get(std::string_view engine) const {
  std::lock_guard<std::mutex> lock(mu_);
  const Slot* slot = Find(engine);
  if (slot == nullptr) return NotFound(engine);
  return slot->health.Snapshot(clock_->Now());
}

std::vector<EngineHealthStatus> HealthMonitor::All() const {
  std::lock_guard<std::mutex> lock(mu_);
  const TimeNs now = clock_->Now();
  std::vector<EngineHealthStatus> out;
  for (const auto& [name, slot] : slots_) out.push_back(slot->health.Snapshot(now));
  return out;
}

Result<EngineHealthStatus> HealthMonitor::AdminAction(
    std::string_view engine, std::string_view action,
    const std::function<Status(EngineHealth&, TimeNs)>& fn) {
  Events events;
  EngineHealthStatus status;
  {
    std::lock_guard<std::mutex> lock(mu_);
    Slot* slot = Find(engine);
    if (slot == nullptr) return NotFound(engine);
    const TimeNs now = clock_->Now();
    BTR_RETURN_IF_ERROR(fn(slot->health, now));
    NoteState(slot, now, &events);
    status = slot->health.Snapshot(now);
  }
  cv_.notify_all();
  DefaultLogger().Log(LogLevel::kInfo, "engine admin action",
                      {{"engine", std::string(engine)},
                       {"action", std::string(action)},
                       {"state", EngineStateName(status.state)}});
  Fire(events);
  return status;
}

Result<EngineHealthStatus> HealthMonitor::Drain(std::string_view engine) {
  return AdminAction(engine, "drain", [](EngineHealth& h, TimeNs) { return h.Drain(); });
}

Result<EngineHealthStatus> HealthMonitor::Resume(std::string_view engine) {
  return AdminAction(engine, "resume", [](EngineHealth& h, TimeNs) { return h.Resume(); });
}

Result<EngineHealthStatus> HealthMonitor::Disable(std::string_view engine) {
  return AdminAction(engine, "disable", [](EngineHealth& h, TimeNs) { return h.Disable(); });
}

Result<EngineHealthStatus> HealthMonitor::Enable(std::string_view engine) {
  return AdminAction(engine, "enable", [](EngineHealth& h, TimeNs now) { return h.Enable(now); });
}

}  // namespace btr
