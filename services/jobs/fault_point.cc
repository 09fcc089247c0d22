#include "services/jobs/fault_point.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace btr {
namespace {

struct Armed {
  std::string point;  // empty: no fault armed
  long at = 1;
  std::string action = "exit";
  std::atomic<long> passed{0};
};

Armed& Fault() {
  static Armed* armed = [] {
    auto* a = new Armed();  // never destroyed: read until the process ends
    if (const char* spec = std::getenv("BTR_FAULT")) {
      std::string text(spec);
      const size_t first = text.find(':');
      a->point = text.substr(0, first);
      if (first != std::string::npos) {
        text = text.substr(first + 1);
        const size_t second = text.find(':');
        a->at = std::atol(text.substr(0, second).c_str());
        if (second != std::string::npos) a->action = text.substr(second + 1);
      }
    }
    return a;
  }();
  return *armed;
}

}  // namespace

void FaultPoint(std::string_view point) {
  Armed& armed = Fault();
  if (armed.point.empty() || armed.point != point) return;
  if (armed.passed.fetch_add(1) + 1 != armed.at) return;
  std::fprintf(stderr, "btrouter: fault point %s reached (BTR_FAULT): %s\n", armed.point.c_str(),
               armed.action.c_str());
  std::fflush(stderr);
  if (armed.action == "kill") raise(SIGKILL);
  if (armed.action == "stop") {
    raise(SIGSTOP);
    return;  // continued
  }
  ::_exit(137);
}

}  // namespace btr
