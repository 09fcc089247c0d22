#include "engines/data/bars.h"

#include <cmath>
#include <string>

namespace btr {
namespace {

std::string Num(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

}  // namespace

void BarSeries::Reserve(size_t n) {
  time.reserve(n);
  open.reserve(n);
  high.reserve(n);
  low.reserve(n);
  close.reserve(n);
  volume.reserve(n);
}

void BarSeries::Append(TimeNs t, double o, double h, double l, double c, double v) {
  time.push_back(t);
  open.push_back(o);
  high.push_back(h);
  low.push_back(l);
  close.push_back(c);
  volume.push_back(v);
}

size_t BarSeries::MemoryBytes() const {
  return time.capacity() * sizeof(TimeNs) + (open.capacity() + high.capacity() + low.capacity() +
                                             close.capacity() + volume.capacity()) *
                                                sizeof(double);
}

Status CheckBar(const TimeNs* previous_time, TimeNs t, double o, double h, double l, double c,
                double v) {
  const struct {
    const char* name;
    double value;
  } prices[] = {{"open", o}, {"high", h}, {"low", l}, {"close", c}};
  for (const auto& p : prices) {
    if (!std::isfinite(p.value)) {
      return Status::InvalidArgument(std::string("column '") + p.name +
                                     "': expected a finite price, got " + Num(p.value));
    }
    if (p.value <= 0) {
      return Status::InvalidArgument(std::string("column '") + p.name +
                                     "': expected a price > 0, got " + Num(p.value));
    }
  }
  if (h < l) {
    return Status::InvalidArgument("column 'high': high " + Num(h) + " is below low " + Num(l));
  }
  if (!std::isfinite(v) || v < 0) {
    return Status::InvalidArgument("column 'volume': expected a finite number >= 0, got " + Num(v));
  }
  if (previous_time != nullptr && t <= *previous_time) {
    return Status::InvalidArgument("column 'time': " + FormatIsoTime(t) +
                                   (t == *previous_time ? " repeats" : " goes backwards from ") +
                                   (t == *previous_time ? "" : FormatIsoTime(*previous_time)) +
                                   "; times must be strictly increasing");
  }
  return Status::Ok();
}

Status ValidateBars(const BarSeries& bars) {
  for (size_t i = 0; i < bars.size(); ++i) {
    const TimeNs* prev = i == 0 ? nullptr : &bars.time[i - 1];
    Status s = CheckBar(prev, bars.time[i], bars.open[i], bars.high[i], bars.low[i], bars.close[i],
                        bars.volume[i]);
    if (!s.ok()) return s.WithPrefix("bar " + std::to_string(i));
  }
  return Status::Ok();
}

}  // namespace btr
