#include "services/comparisons/comparison_service.h"

#include <algorithm>
#include <exception>
#include <memory>

#include "engines/data/bar_cache.h"
#include "engines/spec_json.h"
#include "engines/spec_window.h"
#include "services/compare/report.h"
#include "services/comparisons/comparison_request.h"
#include "services/jobs/result_builder.h"
#include "services/log/logger.h"

namespace btr {
namespace {

using nlohmann::json;

json IsoOrNull(TimeNs t) { return t == 0 ? json(nullptr) : json(FormatIsoTime(t, true)); }

json ErrorJson(std::string_view code, const std::string& message) {
  return {{"code", std::string(code)}, {"message", message}};
}

json ParseOr(const std::string& text, json fallback) {
  json j = json::parse(text, nullptr, false);
  return j.is_discarded() ? fallback : j;
}

}  // namespace

ComparisonService::ComparisonService(Store* store, JobService* jobs, const EngineRegistry* engines,
                                     const Clock* clock, ComparisonServiceOptions options)
    : store_(store), jobs_(jobs), engines_(engines), clock_(clock), options_(std::move(options)) {}

ComparisonService::~ComparisonService() { Stop(); }

Status ComparisonService::Start() {
  Result<std::vector<ComparisonRecord>> running = store_->ListRunningComparisons();
  if (!running.ok()) return running.status().WithPrefix("resuming comparisons");
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = false;
    for (ComparisonRecord& r : *running) running_[r.id] = std::move(r);
  }
  listener_ = jobs_->AddListener([this](const JobRecord&) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++generation_;
    }
    wake_.notify_all();
    changed_.notify_all();
  });
  worker_ = std::thread([this] { WorkerLoop(); });
  return Status::Ok();
}

void ComparisonService::Stop() {
  if (!worker_.joinable()) return;
  jobs_->RemoveListener(listener_);
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  changed_.notify_all();
  worker_.join();
}

Status ComparisonService::ValidateRuns(std::string_view tenant,
                                       const std::vector<PlannedRun>& plan) const {
  std::vector<std::pair<size_t, Status>> invalid;
  for (size_t k = 0; k < plan.size(); ++k) {
    Status valid = jobs_->Validate(tenant, plan[k].spec);
    if (!valid.ok()) invalid.emplace_back(k, std::move(valid));
  }
  if (invalid.empty()) return Status::Ok();
  // One reason for every entry (the base's dataset or strategy) names the base's own field.
  const Status& first = invalid.front().second;
  const bool same = invalid.size() == plan.size() &&
                    std::all_of(invalid.begin(), invalid.end(), [&](const auto& entry) {
                      return entry.second.message() == first.message();
                    });
  const size_t k = invalid.front().first;
  const Status attributed = AttributeToEntry(first, k, plan[k].overrides);
  const std::string overrides = "engines[" + std::to_string(k) + "].overrides.";
  const bool from_overrides = attributed.message().rfind(overrides, 0) == 0;
  return same && !from_overrides ? first : attributed;
}

Result<json> ComparisonService::Create(std::string_view tenant, const json& body) {
  Result<std::vector<PlannedRun>> plan = ParseComparisonRequest(body, *engines_, options_.max_runs);
  if (!plan.ok()) return plan.status();
  // Every run's spec is checked before any is submitted: a bad entry refuses the request (400
  // naming it) rather than becoming a failed run.
  BTR_RETURN_IF_ERROR(ValidateRuns(tenant, *plan));
  ComparisonRecord record;
  record.id = NewId("cmp_");
  record.tenant = std::string(tenant);
  record.request_json = body.dump();
  record.created_at = record.updated_at = clock_->Now();
  json runs = json::array();
  std::vector<std::string> submitted;
  std::vector<Status> refusals;  // of the runs not submitted, with their entries
  std::vector<size_t> refused_at;
  for (size_t k = 0; k < plan->size(); ++k) {
    const PlannedRun& run = (*plan)[k];
    json entry = {{"label", run.label},         {"engine", run.engine},
                  {"overrides", run.overrides}, {"spec", SpecToJson(run.spec)},
                  {"backtest_id", nullptr},     {"error", nullptr}};
    Result<SubmitOutcome> outcome = jobs_->Submit(tenant, run.spec, "");
    if (outcome.ok()) {
      entry["backtest_id"] = outcome->job.id;
      submitted.push_back(outcome->job.id);
    } else {
      entry["error"] =
          ErrorJson(StatusCodeName(outcome.status().code()), outcome.status().message());
      refusals.push_back(outcome.status());
      refused_at.push_back(k);
    }
    runs.push_back(std::move(entry));
  }
  if (submitted.empty()) {
    // Every run was refused. One reason for all (the dataset, the strategy) names its own
    // field; different reasons name the first entry.
    const bool same = std::all_of(refusals.begin(), refusals.end(), [&](const Status& s) {
      return s.code() == refusals.front().code() && s.message() == refusals.front().message();
    });
    if (same) return refusals.front();
    return refusals.front().WithPrefix("engines[" + std::to_string(refused_at.front()) + "]");
  }
  record.runs_json = runs.dump();
  if (Status created = store_->CreateComparison(record); !created.ok()) {
    for (const std::string& id : submitted) (void)jobs_->Cancel(tenant, id);
    return created;
  }
  DefaultLogger().Log(LogLevel::kInfo, "comparison created",
                      {{"comparison_id", record.id},
                       {"tenant", record.tenant},
                       {"runs", runs.size()},
                       {"submitted", submitted.size()}});
  {
    std::lock_guard<std::mutex> lock(mu_);
    running_[record.id] = record;
    ++generation_;
  }
  wake_.notify_all();
  return View(tenant, record.id);
}

Result<ComparisonRecord> ComparisonService::Record(std::string_view tenant, std::string_view id) {
  return store_->GetComparison(tenant, id);
}

Result<json> ComparisonService::List(std::string_view tenant, std::string_view cursor,
                                     size_t limit) {
  Result<ComparisonPage> page = store_->ListComparisons(tenant, cursor, limit);
  if (!page.ok()) return page.status();
  json items = json::array();
  for (const ComparisonRecord& c : page->comparisons) {
    json runs = json::array();
    for (const json& run : ParseOr(c.runs_json, json::array())) {
      runs.push_back({{"label", run.value("label", "")},
                      {"engine", run.value("engine", "")},
                      {"overrides", run.value("overrides", json::object())},
                      {"backtest_id", run.value("backtest_id", json(nullptr))}});
    }
    items.push_back({{"id", c.id},
                     {"status", c.status},
                     {"created_at", IsoOrNull(c.created_at)},
                     {"finished_at", IsoOrNull(c.finished_at)},
                     {"runs", runs}});
  }
  return json{{"items", items},
              {"next_cursor", page->next_cursor.empty() ? json(nullptr) : json(page->next_cursor)}};
}

json ComparisonService::RunsView(const ComparisonRecord& record, bool live) {
  const json runs = ParseOr(record.runs_json, json::array());
  const json report = live ? json(nullptr) : ParseOr(record.report_json, json::object());
  json out = json::array();
  for (size_t k = 0; k < runs.size(); ++k) {
    const json& run = runs[k];
    json view = {{"label", run.value("label", "")},
                 {"engine", run.value("engine", "")},
                 {"overrides", run.value("overrides", json::object())},
                 {"backtest_id", run.value("backtest_id", json(nullptr))},
                 {"status", "failed"},
                 {"progress", 0.0},
                 {"phase", "not submitted"},
                 {"engine_used", nullptr},
                 {"error", run.value("error", json(nullptr))}};
    if (!live && report.contains("runs") && k < report["runs"].size()) {
      const json& r = report["runs"][k];
      view["status"] = r.value("status", "failed");
      view["error"] = r.value("error", json(nullptr));
      view["engine_used"] = r.value("engine_used", json(nullptr));
      view["progress"] = view["status"] == "succeeded" ? 1.0 : 0.0;
      view["phase"] = view["status"];
    } else if (run.value("backtest_id", json(nullptr)).is_string()) {
      Result<JobRecord> job = jobs_->Get(record.tenant, run["backtest_id"].get<std::string>());
      if (job.ok()) {
        view["status"] = std::string(JobStatusName(job->status));
        view["progress"] = job->progress;
        view["phase"] = job->phase;
        view["engine_used"] = job->engine_used.empty() ? json(nullptr) : json(job->engine_used);
        if (!job->error_code.empty())
          view["error"] = ErrorJson(job->error_code, job->error_message);
      } else {
        view["phase"] = "unknown";
        view["error"] = ErrorJson(StatusCodeName(job.status().code()), job.status().message());
      }
    }
    out.push_back(std::move(view));
  }
  return out;
}

Result<json> ComparisonService::View(std::string_view tenant, std::string_view id) {
  Result<ComparisonRecord> record = store_->GetComparison(tenant, id);
  if (!record.ok()) return record.status();
  const bool live = record->status == "running";
  return json{{"id", record->id},
              {"status", record->status},
              {"created_at", IsoOrNull(record->created_at)},
              {"finished_at", IsoOrNull(record->finished_at)},
              {"runs", RunsView(*record, live)},
              {"report", live ? json(nullptr) : ParseOr(record->report_json, json(nullptr))}};
}

Result<json> ComparisonService::WaitForChange(std::string_view tenant, std::string_view id,
                                              std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  Result<json> first = View(tenant, id);
  if (!first.ok() || (*first)["status"] != "running") return first;
  uint64_t seen = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    seen = generation_;
  }
  for (;;) {
    bool timed_out = false;
    {
      std::unique_lock<std::mutex> lock(mu_);
      timed_out =
          !changed_.wait_until(lock, deadline, [&] { return generation_ != seen || stopping_; });
      seen = generation_;
      if (stopping_) timed_out = true;
    }
    Result<json> now = View(tenant, id);
    if (!now.ok() || timed_out || *now != *first) return now;
  }
}

void ComparisonService::WorkerLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  uint64_t seen = generation_ - 1;  // check at once
  while (!stopping_) {
    if (generation_ == seen) {
      wake_.wait_for(lock, options_.check_interval,
                     [&] { return generation_ != seen || stopping_; });
    }
    if (stopping_) break;
    seen = generation_;
    std::vector<ComparisonRecord> batch;
    for (const auto& [id, record] : running_) batch.push_back(record);
    lock.unlock();
    std::vector<std::string> done;
    for (const ComparisonRecord& record : batch) {
      if (TryFinish(record)) done.push_back(record.id);
    }
    lock.lock();
    for (const std::string& id : done) running_.erase(id);
    if (!done.empty()) {
      ++generation_;
      changed_.notify_all();
    }
  }
}

bool ComparisonService::TryFinish(const ComparisonRecord& record) {
  const json runs = ParseOr(record.runs_json, json::array());
  for (const json& run : runs) {
    if (!run.value("backtest_id", json(nullptr)).is_string()) continue;
    Result<JobRecord> job = jobs_->Get(record.tenant, run["backtest_id"].get<std::string>());
    if (job.ok() && !IsTerminal(job->status)) return false;
  }
  json report;
  try {
    report = BuildReportFor(record);
  } catch (const std::exception& e) {
    DefaultLogger().Log(LogLevel::kError, "comparison report failed",
                        {{"comparison_id", record.id}, {"error", e.what()}});
    report = {{"id", record.id}, {"error", ErrorJson("internal", "the report could not be built")}};
  }
  size_t succeeded = 0;
  for (const json& r : report.value("runs", json::array())) {
    succeeded += r.value("status", "") == "succeeded" ? 1 : 0;
  }
  const std::string status = succeeded >= 2 ? "succeeded" : "failed";
  Status finished = store_->FinishComparison(record.id, status, report.dump(), clock_->Now());
  if (!finished.ok() && finished.code() != StatusCode::kFailedPrecondition) {
    DefaultLogger().Log(LogLevel::kError, "comparison not finished",
                        {{"comparison_id", record.id}, {"error", finished.message()}});
    return false;  // tried again on the next check
  }
  DefaultLogger().Log(LogLevel::kInfo, "comparison finished",
                      {{"comparison_id", record.id}, {"status", status}, {"succeeded", succeeded}});
  return true;
}

json ComparisonService::BuildReportFor(const ComparisonRecord& record) {
  const json runs = ParseOr(record.runs_json, json::array());
  // By dataset and window.
  std::map<std::string, std::shared_ptr<const compare::RunBars>> bars_by_window;
  std::vector<compare::RunInput> inputs;
  for (const json& run : runs) {
    compare::RunInput in;
    in.label = run.value("label", "");
    in.engine = run.value("engine", "");
    in.overrides = run.value("overrides", json::object());
    in.spec = run.value("spec", json::object());
    in.status = "failed";
    in.error = run.value("error", json(nullptr));
    const json id = run.value("backtest_id", json(nullptr));
    if (!id.is_string()) {
      inputs.push_back(std::move(in));
      continue;
    }
    in.backtest_id = id.get<std::string>();
    Result<JobRecord> job = store_->GetJob(record.tenant, in.backtest_id);
    if (!job.ok()) {
      in.error = ErrorJson(StatusCodeName(job.status().code()),
                           "backtest " + in.backtest_id + ": " + job.status().message());
      inputs.push_back(std::move(in));
      continue;
    }
    in.status = std::string(JobStatusName(job->status));
    in.engine_used = job->engine_used;
    in.spec = ParseOr(job->spec_json, in.spec);
    if (job->status != JobStatus::kSucceeded) {
      in.error = ErrorJson(
          job->error_code.empty() ? std::string(JobStatusName(job->status)) : job->error_code,
          job->error_message);
      inputs.push_back(std::move(in));
      continue;
    }
    auto fail = [&](const std::string& message) {
      in.status = "failed";
      in.error = ErrorJson("internal", message);
    };
    if (job->engine_used != in.engine) {
      fail("the backtest ran on '" + job->engine_used + "', not on '" + in.engine +
           "': not compared (a comparison never substitutes an engine)");
      inputs.push_back(std::move(in));
      continue;
    }
    Result<JobResult> result = store_->GetResult(record.tenant, in.backtest_id);
    const std::string dataset_id = in.spec.value("dataset", "");
    // The bars a run used: its dataset's, inside its window (runs may override the window).
    BacktestSpec window;
    window.start = in.spec.value("start", "");
    window.end = in.spec.value("end", "");
    const std::string bars_key = dataset_id + "\n" + window.start + "\n" + window.end;
    if (!result.ok()) {
      fail("result: " + result.status().message());
    } else if (!bars_by_window.count(bars_key)) {
      Result<DatasetRecord> dataset = store_->GetDataset(record.tenant, dataset_id);
      LoadOptions load;
      load.cache_dir = options_.cache_dir;
      Result<LoadedBars> loaded =
          dataset.ok() ? LoadBars(dataset->path, load) : Result<LoadedBars>(dataset.status());
      Result<BarWindow> cut =
          loaded.ok() ? CutToWindow(loaded->bars, window) : Result<BarWindow>(loaded.status());
      if (cut.ok()) {
        const BarSeries& used = cut->bars();
        auto bars = std::make_shared<compare::RunBars>();
        bars->time.assign(used.time.begin(), used.time.end());
        bars->open.assign(used.open.begin(), used.open.end());
        bars->close.assign(used.close.begin(), used.close.end());
        bars_by_window[bars_key] = std::move(bars);
      } else {
        fail("dataset " + dataset_id + ": " + cut.status().message());
      }
    }
    if (in.status == "succeeded") {
      in.result = ParseOr(result->result_json, json(nullptr));
      in.equity = DecodeEquity(result->equity);
      in.bars = bars_by_window[bars_key];
      if (!in.succeeded()) fail("the stored result does not match its dataset's bars");
    }
    inputs.push_back(std::move(in));
  }
  compare::ReportInputs report_inputs;
  report_inputs.id = record.id;
  report_inputs.created_at = FormatIsoTime(record.created_at, true);
  report_inputs.request = ParseOr(record.request_json, json::object());
  return compare::BuildReport(inputs, report_inputs, options_.report);
}

}  // namespace btr
