// Fault points for the fault drills (tests/fault/run): a process started with the environment
// variable BTR_FAULT=<point>:<n> ends itself at once with _exit(137), as kill -9 would, the
// n-th time it passes <point>. Without the variable a fault point does nothing (one relaxed
// atomic load). Points:
//   submit_committed   a submitted job is committed to the store, not yet enqueued
// Thread-safe.
#pragma once

#include <string_view>

namespace btr {

void FaultPoint(std::string_view point);

}  // namespace btr
