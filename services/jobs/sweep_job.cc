#include "services/jobs/sweep_job.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <thread>

#include "engines/optimize/engine_trials.h"
#include "engines/optimize/optimization.h"
#include "engines/optimize/trial_json.h"
#include "engines/spec_json.h"

namespace btr {
namespace {

using json = nlohmann::json;

// A chunk job's run: its points of the plan, the trials as its result.
Status RunChunk(const BarSeries& bars, const OptimizationRequest& request,
                const SweepControl& control, std::string* report) {
  Result<OptimizationPlan> plan = PlanOptimization(request, bars.size());
  if (!plan.ok()) return plan.status();
  const SweepChunk& chunk = *request.chunk;
  if (chunk.end > plan->points.size()) return Status::InvalidArgument("chunk: outside the points");
  const std::span<const size_t> points(plan->points.data() + chunk.begin, chunk.end - chunk.begin);
  Result<std::vector<TrialResult>> trials =
      NativeTrialRunner().RunTrials(bars, plan->space, points, request.sweep, control);
  if (!trials.ok()) return trials.status();
  *report = json{{"chunk", {{"parent", chunk.parent}, {"begin", chunk.begin}, {"end", chunk.end}}},
                 {"trials", TrialsToJson(*trials)}}
                .dump();
  return Status::Ok();
}

// The chunk jobs of a parent sweep, from creation to their merged trials.
class ChunkedSweep {
 public:
  ChunkedSweep(SweepChunkHost& host, const BacktestSpec& spec, const std::string& parent,
               size_t points)
      : host_(host), spec_(spec), parent_(parent), points_(points) {}

  // Creates (or finds) every chunk job.
  Status Create() {
    const size_t per = host_.chunk_trials();
    json sweep = json::parse(spec_.sweep);
    for (size_t begin = 0, i = 0; begin < points_; begin += per, ++i) {
      BacktestSpec chunk = spec_;
      sweep["chunk"] = {{"parent", parent_}, {"begin", begin}, {"end", std::min(points_, begin + per)}};
      chunk.sweep = sweep.dump();
      Result<std::string> id = host_.CreateChunk(chunk, parent_ + "_c" + std::to_string(i));
      if (!id.ok()) return id.status().WithPrefix("chunk " + std::to_string(i));
      ids_.push_back(*id);
    }
    return Status::Ok();
  }

  // Waits for every chunk, running queued ones here; progress as the mean of the chunks'.
  // Each pass reads the chunks not yet succeeded (and runs the first queued one it meets), then
  // sleeps 100 ms, longer when many chunks are left (at most 1 s), to spare the store.
  // A worker that stops (`control.stopping`) leaves the chunks to run: the parent's next run
  // finds them.
  Status Wait(const JobRunControl& control, const std::function<void(double)>& progress) {
    std::vector<bool> succeeded(ids_.size(), false);
    size_t done = 0;
    while (done < ids_.size()) {
      double running = 0;
      bool ran_one = false;
      for (size_t i = 0; i < ids_.size(); ++i) {
        if (control.cancel.load()) {
          if (!control.stopping.load()) CancelAll();
          return Status::Cancelled("sweep cancelled");
        }
        if (succeeded[i]) continue;
        Result<JobRecord> job = host_.GetChunk(ids_[i]);
        if (!job.ok()) continue;  // the store will answer again
        if (job->status == JobStatus::kQueued && !ran_one) {
          ran_one = host_.RunChunkHere(ids_[i]);
          if (ran_one) job = host_.GetChunk(ids_[i]);
          if (!job.ok()) continue;
        }
        if (job->status == JobStatus::kFailed || job->status == JobStatus::kCancelled) {
          CancelAll();
          return Status(job->status == JobStatus::kFailed ? StatusCode::kInternal
                                                          : StatusCode::kCancelled,
                        "chunk " + std::to_string(i) + " (" + ids_[i] + ") " +
                            std::string(JobStatusName(job->status)) + ": " + job->error_message);
        }
        if (job->status == JobStatus::kSucceeded) {
          succeeded[i] = true;
          ++done;
        } else {
          running += job->progress;
        }
      }
      progress((static_cast<double>(done) + running) / static_cast<double>(ids_.size()));
      if (done < ids_.size() && !ran_one) {
        const auto pause = std::chrono::milliseconds(
            std::clamp<int64_t>(static_cast<int64_t>(ids_.size() - done), 100, 1000));
        std::this_thread::sleep_for(pause);
      }
    }
    return Status::Ok();
  }

  // The chunks' trials, in point order.
  Result<std::vector<TrialResult>> Merge() {
    std::vector<TrialResult> trials;
    trials.reserve(points_);
    for (size_t i = 0; i < ids_.size(); ++i) {
      Result<std::string> text = host_.ChunkResult(ids_[i]);
      if (!text.ok()) return text.status().WithPrefix("chunk " + std::to_string(i));
      const json doc = json::parse(*text, nullptr, false);
      if (doc.is_discarded() || !doc.contains("trials")) {
        return Status::Internal("chunk " + std::to_string(i) + ": the stored result is not trials");
      }
      Result<std::vector<TrialResult>> part = TrialsFromJson(doc["trials"]);
      if (!part.ok()) return part.status().WithPrefix("chunk " + std::to_string(i));
      for (TrialResult& t : *part) trials.push_back(std::move(t));
    }
    return trials;
  }

  size_t count() const { return ids_.size(); }

 private:
  void CancelAll() {
    for (const std::string& id : ids_) host_.CancelChunk(id);
  }

  SweepChunkHost& host_;
  const BacktestSpec& spec_;
  const std::string parent_;
  const size_t points_;
  std::vector<std::string> ids_;
};

// A parent sweep whose trials run as chunk jobs; then the rest of the optimization here.
Result<OptimizationResult> RunChunked(const BarSeries& bars, OptimizationRequest request,
                                      OptimizationPlan plan, const BacktestSpec& spec,
                                      const std::string& job_id, SweepChunkHost& host,
                                      JobRunControl& control, DispatchListener& listener) {
  const auto start = std::chrono::steady_clock::now();
  ChunkedSweep chunks(host, spec, job_id, plan.points.size());
  BTR_RETURN_IF_ERROR(chunks.Create());
  listener.Log("info", "btrouter",
               std::to_string(plan.points.size()) + " trials in " +
                   std::to_string(chunks.count()) + " chunk jobs of at most " +
                   std::to_string(host.chunk_trials()));
  const double sweep_share = 1.0 / static_cast<double>(1 + request.walk_forward.folds);
  BTR_RETURN_IF_ERROR(chunks.Wait(control, [&](double fraction) {
    listener.Progress(fraction * sweep_share, "running");
  }));
  Result<std::vector<TrialResult>> trials = chunks.Merge();
  if (!trials.ok()) return trials.status();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  SweepControl rest;
  rest.cancel = &control.cancel;
  rest.progress = [&](size_t done, size_t total) {
    listener.Progress(sweep_share + (1 - sweep_share) * static_cast<double>(done) /
                                        static_cast<double>(total),
                      "walk-forward");
  };
  return FinishOptimization(bars, std::move(request), std::move(plan), std::move(trials).value(),
                            seconds, rest);
}

}  // namespace

bool IsSweepChunk(const JobRecord& job) {
  const json spec = json::parse(job.spec_json, nullptr, false);
  return spec.is_object() && spec.contains("sweep") && spec["sweep"].is_object() &&
         spec["sweep"].contains("chunk");
}

DispatchOutcome RunSweepJob(const BacktestSpec& spec, const std::string& job_id,
                            const EngineRegistry& engines, SweepChunkHost* chunks,
                            JobRunControl& control, DispatchListener& listener,
                            std::string* report) {
  DispatchOutcome outcome;
  outcome.engine = spec.engine;
  Engine* engine = spec.engine == "native" ? nullptr : engines.Find(spec.engine);
  if (spec.engine != "native" && engine == nullptr) {
    Result<int> started = listener.Starting("", "[]");
    outcome.abandoned = !started.ok();
    outcome.status = Status::NotFound("engine: '" + spec.engine + "' is not configured here");
    return outcome;
  }
  Result<int> attempt = listener.Starting(spec.engine, "[]");
  if (!attempt.ok()) {
    outcome.abandoned = true;
    return outcome;
  }
  outcome.attempt = *attempt;
  Result<OptimizationRequest> request =
      OptimizationRequestFromJson(json::parse(spec.sweep, nullptr, false));
  if (!request.ok()) {
    outcome.status = request.status().WithPrefix("sweep");
    return outcome;
  }
  listener.Progress(0, "loading");
  Result<const BarSeries*> bars = listener.Bars();
  if (!bars.ok()) {
    outcome.status = bars.status();
    return outcome;
  }
  listener.Progress(0, "running");
  SweepControl sweep;
  sweep.cancel = &control.cancel;
  sweep.progress = [&listener](size_t done, size_t total) {
    listener.Progress(static_cast<double>(done) / static_cast<double>(total), "running");
  };
  if (request->chunk) {
    outcome.status = RunChunk(**bars, *request, sweep, report);
    return outcome;
  }
  Result<OptimizationPlan> plan = PlanOptimization(*request, (*bars)->size());
  if (!plan.ok()) {
    outcome.status = plan.status();
    return outcome;
  }
  Result<OptimizationResult> result = Status::Internal("not run");
  if (engine == nullptr && chunks != nullptr && chunks->chunk_trials() > 0 &&
      plan->points.size() > chunks->chunk_trials()) {
    result = RunChunked(**bars, std::move(request).value(), std::move(plan).value(), spec, job_id,
                        *chunks, control, listener);
  } else {
    std::unique_ptr<EngineTrialRunner> remote;
    if (engine != nullptr) {
      remote = std::make_unique<EngineTrialRunner>(*engine, spec, request->concurrency,
                                                   RunKey(job_id, *attempt, spec.engine));
    }
    result = RunOptimization(**bars, std::move(request).value(), sweep, remote.get());
  }
  if (!result.ok()) {
    outcome.status = result.status();
    return outcome;
  }
  listener.Log("info", "btrouter",
               std::to_string(result->trials.size()) + " trials of " +
                   std::to_string(result->space.grid_size()) + " grid points on " + spec.engine +
                   " in " + std::to_string(result->seconds) + " s");
  *report = OptimizationToJson(*result).dump();
  return outcome;
}

}  // namespace btr
