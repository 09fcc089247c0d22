// The messages of every Store that reach the API, on both backends (store_under_test.h): they
// name the resource, never a store method or the database, and both backends word them alike.
#include <catch2/catch.hpp>
#include <string>

#include "tests/services/store/store_test_util.h"
#include "tests/services/store/store_under_test.h"

namespace btr {
namespace {

using testing::ClaimAndStart;
using testing::MakeDataset;
using testing::MakeJob;
using testing::MakeKey;
using testing::Query;

TEST_CASE("Messages that reach the API name the resource, alike on both backends", "[store]") {
  BTR_EACH_STORE(store);
  REQUIRE(store->CreateJob(MakeJob("bt_done")).ok());
  REQUIRE(ClaimAndStart(*store, "bt_done", "native", 10).ok());
  REQUIRE(store->FinishJob("bt_done", 1, JobStatus::kSucceeded, {"{}", ""}, "", "", 20).ok());
  REQUIRE(store->CreateJob(MakeJob("bt_queued")).ok());
  REQUIRE(store->CreateComparison({"cmp_1", "t1", "running", "{}", "[]", "", 1, 1, 0}).ok());
  REQUIRE(store->PutApiKey(MakeKey("k1", "t1", Role::kUser, "h", 1)).ok());

  CHECK(store->GetJob("t1", "bt_x").status().message() == "backtest 'bt_x' not found");
  CHECK(store->CreateJob(MakeJob("bt_done")).status().message() ==
        "backtest 'bt_done' already exists");
  CHECK(store->CancelJob("t1", "bt_done", 30).status().message() ==
        "backtest 'bt_done' is already succeeded");
  CHECK(store->DeleteJob("t1", "bt_queued").message() ==
        "backtest 'bt_queued' is queued; cancel it and wait for it to finish first");
  CHECK(store->GetResult("t1", "bt_queued").status().message() ==
        "backtest 'bt_queued' is queued and has no result yet");
  CHECK(store->AppendJobLog("bt_x", {{0, 1, "info", "btrouter", "x"}}).message() ==
        "backtest 'bt_x' not found");
  CHECK(store->ListJobs(Query("t1", {}, "", 50, "zz")).status().message() ==
        "cursor: 'zz' did not come from a previous page");
  CHECK(store->GetDataset("t1", "ds_x").status().message() == "dataset 'ds_x' not found");
  CHECK(store->FindDataset("t1", "goog", "sha").status().message() ==
        "no dataset 'goog' with that content");
  REQUIRE(store->PutDataset(MakeDataset("ds_1", "t2", "goog", 1)).ok());
  CHECK(store->PutDataset(MakeDataset("ds_1", "t1", "goog", 1)).message() ==
        "dataset id 'ds_1' is taken by another tenant");
  CHECK(store->CreateComparison({"cmp_1", "t1", "running", "{}", "[]", "", 1, 1, 0}).message() ==
        "comparison 'cmp_1' already exists");
  CHECK(store->GetComparison("t1", "cmp_x").status().message() == "comparison 'cmp_x' not found");
  CHECK(store->PutApiKey(MakeKey("k1", "t1", Role::kUser, "h", 1)).message() ==
        "API key id 'k1' exists");
  CHECK(store->GetApiKey("k_x").status().message() == "API key 'k_x' not found");
}

}  // namespace
}  // namespace btr
