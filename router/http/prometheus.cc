#include "router/http/prometheus.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace btr {
namespace {

std::string Escape(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string LabelText(const Labels& labels, const std::string& extra = "") {
  std::string out;
  for (const auto& [k, v] : labels) out += (out.empty() ? "" : ",") + k + "=\"" + Escape(v) + "\"";
  if (!extra.empty()) out += (out.empty() ? "" : ",") + extra;
  return out.empty() ? "" : "{" + out + "}";
}

// HELP text escapes only backslash and newline (the exposition format).
std::string EscapeHelp(const std::string& help) {
  std::string out;
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// The shortest text that reads back as `v` (0.1 rather than 0.10000000000000001), and the
// exposition format's spellings of the special values.
std::string Number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  const std::to_chars_result r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

}  // namespace

void PrometheusRegistry::DeclareCounter(const std::string& name, const std::string& help) {
  std::lock_guard<std::mutex> lock(mu_);
  families_[name] = Family{Kind::kCounter, help, {}, {}};
}

void PrometheusRegistry::DeclareGauge(const std::string& name, const std::string& help) {
  std::lock_guard<std::mutex> lock(mu_);
  families_[name] = Family{Kind::kGauge, help, {}, {}};
}

void PrometheusRegistry::DeclareHistogram(const std::string& name, const std::string& help,
                                          std::vector<double> bounds) {
  std::sort(bounds.begin(), bounds.end());
  std::lock_guard<std::mutex> lock(mu_);
  families_[name] = Family{Kind::kHistogram, help, std::move(bounds), {}};
}

void PrometheusRegistry::Increment(const std::string& name, const Labels& labels, double by) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = families_.find(name);
  if (it != families_.end()) it->second.series[labels].value += by;
}

void PrometheusRegistry::Set(const std::string& name, const Labels& labels, double value) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = families_.find(name);
  if (it != families_.end()) it->second.series[labels].value = value;
}

void PrometheusRegistry::Observe(const std::string& name, const Labels& labels, double value) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = families_.find(name);
  if (it == families_.end()) return;
  Series& s = it->second.series[labels];
  const std::vector<double>& bounds = it->second.bounds;
  if (s.buckets.empty()) s.buckets.assign(bounds.size(), 0);
  for (size_t k = 0; k < bounds.size(); ++k) {
    if (value <= bounds[k]) {
      ++s.buckets[k];
      break;
    }
  }
  ++s.count;
  s.sum += value;
}

std::string PrometheusRegistry::Render() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  for (const auto& [name, family] : families_) {
    const char* type = family.kind == Kind::kCounter ? "counter"
                       : family.kind == Kind::kGauge ? "gauge"
                                                     : "histogram";
    out +=
        "# HELP " + name + " " + EscapeHelp(family.help) + "\n# TYPE " + name + " " + type + "\n";
    for (const auto& [labels, s] : family.series) {
      if (family.kind != Kind::kHistogram) {
        out += name + LabelText(labels) + " " + Number(s.value) + "\n";
        continue;
      }
      uint64_t cumulative = 0;
      for (size_t k = 0; k < family.bounds.size(); ++k) {
        cumulative += k < s.buckets.size() ? s.buckets[k] : 0;
        out += name + "_bucket" + LabelText(labels, "le=\"" + Number(family.bounds[k]) + "\"") +
               " " + std::to_string(cumulative) + "\n";
      }
      out += name + "_bucket" + LabelText(labels, "le=\"+Inf\"") + " " + std::to_string(s.count) +
             "\n";
      out += name + "_sum" + LabelText(labels) + " " + Number(s.sum) + "\n";
      out += name + "_count" + LabelText(labels) + " " + std::to_string(s.count) + "\n";
    }
  }
  return out;
}

}  // namespace btr
