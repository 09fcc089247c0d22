// Trials as JSON, exactly: what a sweep chunk job stores as its result and the sweep that
// spread the chunks reads back (services/jobs/sweep_job.cc). Every double survives the round
// trip bit for bit (shortest round-trip text); NaN travels as null, infinities as "inf" and
// "-inf" (a Sortino ratio over no downside is +inf).
//
// One trial: [point, objective, [metrics...], [n, mean, m2, m3, m4] (daily),
//             [[n, mean, m2, m3, m4] per block...], error or null].
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "engines/core/status.h"
#include "engines/optimize/sweep.h"

namespace btr {

nlohmann::json TrialsToJson(const std::vector<TrialResult>& trials);
// InvalidArgument naming the trial and the part that does not parse. A trial's error comes
// back as an Internal status with the same message.
Result<std::vector<TrialResult>> TrialsFromJson(const nlohmann::json& j);

}  // namespace btr
