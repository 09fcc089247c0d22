// Fault points for the fault drills (tests/fault/run): a process started with the environment
// variable BTR_FAULT=<point>:<n>[:<action>] acts the n-th time it passes <point>:
//   exit (default)  _exit(137) at once, as a crash would
//   kill            raise(SIGKILL): kill -9 of itself
//   stop            raise(SIGSTOP): paused until someone sends SIGCONT
// Without the variable a fault point costs one comparison. Points:
//   submit_committed   a submitted job is committed to the store, not yet enqueued
//   job_started        a worker committed a job's start, before the engine runs it
// Thread-safe.
#pragma once

#include <string_view>

namespace btr {

void FaultPoint(std::string_view point);

}  // namespace btr
