#include "services/jobs/fault_point.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace btr {
namespace {

struct Armed {
  std::string point;  // empty: no fault armed
  long at = 0;
  std::atomic<long> passed{0};
};

Armed& Fault() {
  static Armed* armed = [] {
    auto* a = new Armed();  // never destroyed: read until the process ends
    if (const char* spec = std::getenv("BTR_FAULT")) {
      const std::string text(spec);
      const size_t colon = text.rfind(':');
      a->point = text.substr(0, colon);
      a->at = colon == std::string::npos ? 1 : std::atol(text.c_str() + colon + 1);
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
  std::fprintf(stderr, "btrouter: fault point %s reached (BTR_FAULT): exiting\n",
               armed.point.c_str());
  std::fflush(stderr);
  ::_exit(137);
}

}  // namespace btr
