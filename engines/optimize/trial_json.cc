#include "engines/optimize/trial_json.h"

#include <cmath>
#include <string>

namespace btr {
namespace {

using json = nlohmann::json;

// Finite values as numbers, NaN as null, infinities as "inf" / "-inf".
json Number(double v) {
  if (std::isfinite(v)) return json(v);
  if (std::isnan(v)) return json(nullptr);
  return json(v > 0 ? "inf" : "-inf");
}

bool ReadNumber(const json& j, double* out) {
  if (j.is_null()) {
    *out = std::nan("");
    return true;
  }
  if (j == "inf" || j == "-inf") {
    *out = j == "inf" ? HUGE_VAL : -HUGE_VAL;
    return true;
  }
  if (!j.is_number()) return false;
  *out = j.get<double>();
  return true;
}

json MomentsJson(const Moments& m) {
  return json::array({Number(m.n), Number(m.mean), Number(m.m2), Number(m.m3), Number(m.m4)});
}

bool ReadMoments(const json& j, Moments* m) {
  return j.is_array() && j.size() == 5 && ReadNumber(j[0], &m->n) && ReadNumber(j[1], &m->mean) &&
         ReadNumber(j[2], &m->m2) && ReadNumber(j[3], &m->m3) && ReadNumber(j[4], &m->m4);
}

Status ReadTrial(const json& j, TrialResult* t) {
  if (!j.is_array() || j.size() != 6 || !j[0].is_number_unsigned() || !j[2].is_array() ||
      !j[4].is_array()) {
    return Status::InvalidArgument("expected [point, objective, metrics, daily, blocks, error]");
  }
  t->point = j[0].get<size_t>();
  if (!ReadNumber(j[1], &t->objective)) return Status::InvalidArgument("objective");
  for (const json& v : j[2]) {
    double x = 0;
    if (!ReadNumber(v, &x)) return Status::InvalidArgument("metrics");
    t->metrics.push_back(x);
  }
  if (!ReadMoments(j[3], &t->daily)) return Status::InvalidArgument("daily");
  for (const json& b : j[4]) {
    Moments m;
    if (!ReadMoments(b, &m)) return Status::InvalidArgument("blocks");
    t->blocks.push_back(m);
  }
  if (j[5].is_string()) {
    t->status = Status::Internal(j[5].get<std::string>());
  } else if (!j[5].is_null()) {
    return Status::InvalidArgument("error");
  }
  return Status::Ok();
}

}  // namespace

json TrialsToJson(const std::vector<TrialResult>& trials) {
  json out = json::array();
  for (const TrialResult& t : trials) {
    json metrics = json::array(), blocks = json::array();
    for (double v : t.metrics) metrics.push_back(Number(v));
    for (const Moments& b : t.blocks) blocks.push_back(MomentsJson(b));
    out.push_back(json::array({t.point, Number(t.objective), metrics, MomentsJson(t.daily), blocks,
                               t.status.ok() ? json(nullptr) : json(t.status.message())}));
  }
  return out;
}

Result<std::vector<TrialResult>> TrialsFromJson(const json& j) {
  if (!j.is_array()) return Status::InvalidArgument("trials: expected an array");
  std::vector<TrialResult> trials(j.size());
  for (size_t i = 0; i < j.size(); ++i) {
    Status s = ReadTrial(j[i], &trials[i]);
    if (!s.ok()) return s.WithPrefix("trials[" + std::to_string(i) + "]");
  }
  return trials;
}

}  // namespace btr
