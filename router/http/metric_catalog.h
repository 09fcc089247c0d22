// Every Prometheus metric family btrouter exports, declared in one place (names, help, buckets):
// the HTTP edge, the API, the engines' health, the jobs and the workers. A process declares them
// once at start (the server, `btrouter worker`), then code records by name. docs/ARCHITECTURE.md
// lists the families.
#pragma once

#include "router/http/prometheus.h"
#include "routing/engine_registry.h"
#include "services/store/store_types.h"

namespace btr {

// Declares every family on `metrics`; the per-engine counters start at 0 for each engine of
// `engines`, so a rate() over them is defined from the first scrape.
void DeclareMetrics(PrometheusRegistry& metrics, const EngineRegistry& engines);

// Counts a job this process finished: btr_jobs_finished_total and btr_job_duration_seconds.
void RecordFinishedJob(PrometheusRegistry& metrics, const JobRecord& job);

}  // namespace btr
