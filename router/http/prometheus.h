// A small Prometheus registry: counters and histograms with low-cardinality labels, rendered in
// the text exposition format at /metrics. Names follow btr_ conventions (counters end in
// _total, durations are _seconds histograms). Thread-safe: updates take a short lock per family.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace btr {

using Labels = std::vector<std::pair<std::string, std::string>>;

class PrometheusRegistry {
 public:
  // Families are declared once; REQUIRES a unique name.
  void DeclareCounter(const std::string& name, const std::string& help);
  void DeclareGauge(const std::string& name, const std::string& help);
  void DeclareHistogram(const std::string& name, const std::string& help,
                        std::vector<double> bucket_bounds);

  void Increment(const std::string& name, const Labels& labels, double by = 1);
  void Set(const std::string& name, const Labels& labels, double value);
  void Observe(const std::string& name, const Labels& labels, double value);

  std::string Render() const;

 private:
  enum class Kind { kCounter, kGauge, kHistogram };
  struct Series {
    double value = 0;               // counter / gauge
    std::vector<uint64_t> buckets;  // histogram: cumulative counts are built at render
    uint64_t count = 0;
    double sum = 0;
  };
  struct Family {
    Kind kind;
    std::string help;
    std::vector<double> bounds;
    std::map<Labels, Series> series;
  };

  mutable std::mutex mu_;
  std::map<std::string, Family> families_;  // guarded by mu_
};

}  // namespace btr
