// Comparisons of every Store, on both backends (store_under_test.h): create, read
// (tenant-scoped), finish once, list the running ones, survive reopening, page.
#include <catch2/catch.hpp>

#include "tests/services/store/store_test_util.h"
#include "tests/services/store/store_under_test.h"

namespace btr {
namespace {

ComparisonRecord MakeComparison(const std::string& id, const std::string& tenant, TimeNs at) {
  ComparisonRecord c;
  c.id = id;
  c.tenant = tenant;
  c.request_json = R"({"engines":["native","backtestingpy"]})";
  c.runs_json = R"([{"label":"native","backtest_id":"bt_1"}])";
  c.created_at = at;
  return c;
}

TEST_CASE("comparisons are stored, finished once and resumed after reopening", "[store]") {
  BTR_EACH_STORE(opened);
  {
    Store* store = opened.get();
    REQUIRE(store->CreateComparison(MakeComparison("cmp_1", "t1", 10)).ok());
    REQUIRE(store->CreateComparison(MakeComparison("cmp_2", "t1", 20)).ok());
    CHECK(store->CreateComparison(MakeComparison("cmp_1", "t2", 30)).code() ==
          StatusCode::kAlreadyExists);
    Result<ComparisonRecord> got = store->GetComparison("t1", "cmp_1");
    REQUIRE(got.ok());
    CHECK(got->status == "running");
    CHECK(got->runs_json == MakeComparison("cmp_1", "t1", 10).runs_json);
    CHECK(got->updated_at == 10);
    CHECK(store->GetComparison("t2", "cmp_1").status().code() == StatusCode::kNotFound);

    REQUIRE(store->FinishComparison("cmp_1", "succeeded", R"({"pairs":[]})", 50).ok());
    CHECK(store->FinishComparison("cmp_1", "failed", "{}", 60).code() ==
          StatusCode::kFailedPrecondition);
    CHECK(store->FinishComparison("cmp_2", "done", "{}", 60).code() ==
          StatusCode::kInvalidArgument);
  }
  opened.Reopen();
  Store* store = opened.get();
  Result<ComparisonRecord> done = store->GetComparison("t1", "cmp_1");
  REQUIRE(done.ok());
  CHECK(done->status == "succeeded");
  CHECK(done->report_json == R"({"pairs":[]})");
  CHECK(done->finished_at == 50);
  Result<std::vector<ComparisonRecord>> running = store->ListRunningComparisons();
  REQUIRE(running.ok());
  REQUIRE(running->size() == 1);
  CHECK(running->front().id == "cmp_2");
}

TEST_CASE("comparisons are listed per tenant, newest first, in pages", "[store]") {
  BTR_EACH_STORE(store);
  for (int k = 0; k < 5; ++k) {
    REQUIRE(
        store->CreateComparison(MakeComparison("cmp_" + std::to_string(k), "t1", 100 + k)).ok());
  }
  REQUIRE(store->CreateComparison(MakeComparison("cmp_x", "t2", 200)).ok());
  REQUIRE(store->FinishComparison("cmp_4", "succeeded", R"({"big":"report"})", 300).ok());
  std::vector<std::string> ids;
  std::string cursor;
  do {
    Result<ComparisonPage> page = store->ListComparisons("t1", cursor, 2);
    REQUIRE(page.ok());
    CHECK(page->comparisons.size() <= 2);
    for (const ComparisonRecord& c : page->comparisons) {
      ids.push_back(c.id);
      CHECK(c.report_json.empty());  // listings leave the report out
    }
    cursor = page->next_cursor;
  } while (!cursor.empty());
  CHECK(ids == std::vector<std::string>{"cmp_4", "cmp_3", "cmp_2", "cmp_1", "cmp_0"});
  CHECK(store->ListComparisons("t1", "garbage", 2).status().code() == StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace btr
