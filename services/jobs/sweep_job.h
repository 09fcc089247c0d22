// RunSweepJob: the run of a job whose spec is a parameter sweep (BacktestSpec::sweep), in the
// worker that claimed it, on the job's dataset (loaded and cached as for a backtest). On
// "native" the trials run in the worker's process (NativeTrialRunner); on another engine each
// trial is one run on that engine, `concurrency` at a time (EngineTrialRunner), with no
// fallback. The job starts on its engine, its progress is the share of trials done, a cancel
// stops it within one trial (native) or stops the runs in flight (other engines), and its
// result is the optimization report (engines/optimize/optimization.h OptimizationToJson).
//
// Chunks (native sweeps of more than `chunk_trials` points, when a SweepChunkHost is given):
// the sweep's points are cut into chunk jobs of chunk_trials points each, created under the
// parent's tenant with the id and idempotency key "<parent>_c<i>" and queued, so any worker (this
// one too) runs them; the parent runs queued chunks itself while it waits, so it finishes even
// when no other worker is free. A chunk job's result is its trials (engines/optimize/
// trial_json.h); the parent merges them in point order and finishes the optimization (analysis,
// walk-forward) as if it had run them all, bit for bit. A parent that runs again (its worker
// died) finds its chunks by their keys: finished chunks are not run again. A cancel of the
// parent cancels its chunks; a failed chunk fails the parent.
// Threads: runs on the calling worker thread (and RunSweep's threads).
#pragma once

#include <string>

#include "engines/spec.h"
#include "routing/dispatcher.h"
#include "routing/engine_registry.h"
#include "services/store/store_types.h"

namespace btr {

// What a sweep job needs from the job system to spread its points over workers.
// Implemented by JobWorkers for the job it runs; thread-compatible (one sweep uses it).
class SweepChunkHost {
 public:
  virtual ~SweepChunkHost() = default;
  // Points per chunk; 0 = never chunk.
  virtual size_t chunk_trials() const = 0;
  // The chunk job of `spec` under the parent's tenant (created and queued, or found by `key`):
  // its id.
  virtual Result<std::string> CreateChunk(const BacktestSpec& spec, const std::string& key) = 0;
  // Claims the chunk and runs it on the calling thread when it is queued and no worker holds
  // it; false otherwise (held, ended, or the claim failed).
  virtual bool RunChunkHere(const std::string& id) = 0;
  virtual Result<JobRecord> GetChunk(const std::string& id) = 0;
  virtual Result<std::string> ChunkResult(const std::string& id) = 0;  // the result JSON
  virtual void CancelChunk(const std::string& id) = 0;
};

// True for the job of a chunk (its spec's sweep has "chunk"): hidden from job lists.
bool IsSweepChunk(const JobRecord& job);

// The outcome as the dispatcher would give it; `*report` receives the result JSON when the
// status is OK. InvalidArgument for a sweep the worker cannot run (a bad request); NotFound for
// an engine `engines` does not hold. `job_id` makes the remote runs' keys and the chunks' keys;
// `chunks` may be null (no chunking).
DispatchOutcome RunSweepJob(const BacktestSpec& spec, const std::string& job_id,
                            const EngineRegistry& engines, SweepChunkHost* chunks,
                            JobRunControl& control, DispatchListener& listener,
                            std::string* report);

}  // namespace btr
