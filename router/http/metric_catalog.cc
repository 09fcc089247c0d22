#include "router/http/metric_catalog.h"

#include <string>

namespace btr {

void DeclareMetrics(PrometheusRegistry& metrics, const EngineRegistry& engines) {
  // The HTTP edge (router/http/http_server.cc).
  metrics.DeclareCounter("btr_http_requests_total",
                         "HTTP requests answered, by route template, method and code");
  metrics.DeclareHistogram(
      "btr_http_request_duration_seconds", "Time to answer an HTTP request",
      {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30});
  // The API (router/http/resource_routes.cc, backtest_routes.cc).
  metrics.DeclareCounter("btr_jobs_submitted_total", "Backtests accepted, by requested engine");
  metrics.DeclareGauge("btr_queue_depth", "Backtests waiting in the queue");
  metrics.DeclareGauge("btr_jobs_running", "Backtests running now in this process");
  metrics.DeclareGauge("btr_workers", "Worker processes seen alive (distributed mode)");
  // Engine health (routing/health, through EngineMetricHooks) and routing.
  metrics.DeclareGauge("btr_engine_up",
                       "1 when the engine passes its health checks and its circuit is not open");
  metrics.DeclareCounter("btr_engine_ejections_total",
                         "Outlier ejections of an engine (failed runs in a row)");
  metrics.DeclareCounter("btr_engine_probes_total", "Active health probes, by engine and result");
  metrics.DeclareHistogram("btr_engine_probe_duration_seconds",
                           "Time an engine took to answer a health probe",
                           {0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10});
  metrics.DeclareCounter("btr_fallbacks_total",
                         "Jobs moved from one engine to the next before either ran them");
  for (const Engine* engine : engines.All()) {
    metrics.Increment("btr_engine_ejections_total", {{"engine", std::string(engine->name())}}, 0);
  }
  // Jobs this process finished (services/jobs/job_workers.cc).
  metrics.DeclareCounter("btr_jobs_finished_total",
                         "Backtests that reached a final state, by engine and status");
  metrics.DeclareHistogram("btr_job_duration_seconds",
                           "Time from start to the end of a backtest run, by engine",
                           {0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120, 600});
  metrics.DeclareCounter("btr_jobs_claimed_total", "Deliveries whose job this process claimed");
  metrics.DeclareCounter("btr_jobs_skipped_total",
                         "Deliveries acknowledged without a claim (held elsewhere, finished)");
  metrics.DeclareCounter("btr_jobs_dead_letters_total",
                         "Jobs failed because their delivery was given up on");
  metrics.DeclareCounter("btr_jobs_lost_claims_total",
                         "Runs stopped because another worker claimed their job");
}

void RecordFinishedJob(PrometheusRegistry& metrics, const JobRecord& job) {
  if (!IsTerminal(job.status)) return;
  const std::string engine = job.engine_used.empty() ? job.engine_requested : job.engine_used;
  metrics.Increment("btr_jobs_finished_total",
                    {{"engine", engine}, {"status", std::string(JobStatusName(job.status))}});
  if (job.started_at != 0 && job.finished_at >= job.started_at) {
    metrics.Observe("btr_job_duration_seconds", {{"engine", engine}},
                    static_cast<double>(job.finished_at - job.started_at) / 1e9);
  }
}

}  // namespace btr
