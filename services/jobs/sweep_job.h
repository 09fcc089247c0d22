// RunSweepJob: the run of a job whose spec is a parameter sweep (BacktestSpec::sweep), in the
// worker that claimed it. Sweeps run on the native engine in the worker's process, on the
// job's dataset (loaded and cached as for a backtest): the job starts on "native", its progress
// is the share of trials done, a cancel stops it within one trial, and its result is the
// optimization report (engines/optimize/optimization.h OptimizationToJson). A sweep interrupted
// by a crash runs again from the start on its next claim.
// Threads: runs on the calling worker thread (and RunSweep's threads).
#pragma once

#include <string>

#include "engines/spec.h"
#include "routing/dispatcher.h"

namespace btr {

// The outcome as the dispatcher would give it (engine "native"); `*report` receives the result
// JSON when the status is OK. InvalidArgument for a sweep the worker cannot run (a bad request
// or an engine other than native).
DispatchOutcome RunSweepJob(const BacktestSpec& spec, JobRunControl& control,
                            DispatchListener& listener, std::string* report);

}  // namespace btr
