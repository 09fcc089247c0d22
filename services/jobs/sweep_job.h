// RunSweepJob: the run of a job whose spec is a parameter sweep (BacktestSpec::sweep), in the
// worker that claimed it, on the job's dataset (loaded and cached as for a backtest). On
// "native" the trials run in the worker's process (NativeTrialRunner); on another engine each
// trial is one run on that engine, `concurrency` at a time (EngineTrialRunner), with no
// fallback. The job starts on its engine, its progress is the share of trials done, a cancel
// stops it within one trial (native) or stops the runs in flight (other engines), and its
// result is the optimization report (engines/optimize/optimization.h OptimizationToJson). A
// sweep interrupted by a crash runs again from the start on its next claim.
// Threads: runs on the calling worker thread (and RunSweep's threads).
#pragma once

#include <string>

#include "engines/spec.h"
#include "routing/dispatcher.h"
#include "routing/engine_registry.h"

namespace btr {

// The outcome as the dispatcher would give it; `*report` receives the result JSON when the
// status is OK. InvalidArgument for a sweep the worker cannot run (a bad request); NotFound for
// an engine `engines` does not hold. `job_id` makes the remote runs' keys.
DispatchOutcome RunSweepJob(const BacktestSpec& spec, const std::string& job_id,
                            const EngineRegistry& engines, JobRunControl& control,
                            DispatchListener& listener, std::string* report);

}  // namespace btr
