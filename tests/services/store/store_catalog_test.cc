// Datasets and API keys of every Store (dataset_store.h, key_store.h), on both backends
// (store_under_test.h), including a dataset's bytes through PutDatasetBytes and LocalPath.
#include <catch2/catch.hpp>
#include <string>

#include "engines/data/sha256.h"
#include "tests/services/store/store_test_util.h"
#include "tests/services/store/store_under_test.h"

namespace btr {
namespace {

using testing::ClaimAndStart;
using testing::MakeDataset;
using testing::MakeJob;
using testing::MakeKey;

TEST_CASE("Datasets: put, replace, get, list, tenant isolation", "[store]") {
  BTR_EACH_STORE(store);
  DatasetRecord d = MakeDataset("ds1", "t1", "goog", 10);
  REQUIRE(store->PutDataset(d).ok());
  auto got = store->GetDataset("t1", "ds1");
  REQUIRE(got.ok());
  CHECK(got->name == "goog");
  CHECK(got->sha256 == "sha-of-ds1");
  CHECK(got->path == "/data/ds1.csv");
  CHECK(got->bars == 2148);
  CHECK(got->bytes == 123456);
  CHECK(got->first_time == 1);
  CHECK(got->last_time == 2);
  CHECK(got->created_at == 10);

  d.name = "goog2";
  d.created_at = 99;
  REQUIRE(store->PutDataset(d).ok());  // the owner replaces it; created_at is kept
  CHECK(store->GetDataset("t1", "ds1")->name == "goog2");
  CHECK(store->GetDataset("t1", "ds1")->created_at == 10);

  DatasetRecord theirs = d;
  theirs.tenant = "t2";
  CHECK(store->PutDataset(theirs).code() == StatusCode::kAlreadyExists);
  CHECK(store->GetDataset("t2", "ds1").status().code() == StatusCode::kNotFound);
  CHECK(store->GetDataset("t1", "nope").status().code() == StatusCode::kNotFound);

  DatasetRecord d2 = d;
  d2.id = "ds2";
  d2.created_at = 20;
  REQUIRE(store->PutDataset(d2).ok());
  auto list = store->ListDatasets("t1");
  REQUIRE(list.ok());
  REQUIRE(list->size() == 2);
  CHECK((*list)[0].id == "ds2");  // newest first
  CHECK((*list)[1].id == "ds1");
  CHECK(store->ListDatasets("t2")->empty());
}

TEST_CASE("Datasets: the same name and bytes are one dataset; other bytes make another",
          "[store]") {
  BTR_EACH_STORE(store);
  const DatasetRecord first = MakeDataset("ds1", "t1", "goog", 10);
  REQUIRE(store->CreateDataset(first)->id == "ds1");
  DatasetRecord again = MakeDataset("ds2", "t1", "goog", 20);
  again.sha256 = first.sha256;
  Result<DatasetRecord> kept = store->CreateDataset(again);
  REQUIRE(kept.ok());
  CHECK(kept->id == "ds1");  // nothing inserted
  CHECK(store->ListDatasets("t1")->size() == 1);
  CHECK(store->FindDataset("t1", "goog", first.sha256)->id == "ds1");
  CHECK(store->FindDataset("t1", "goog", "other").status().code() == StatusCode::kNotFound);
  CHECK(store->FindDataset("t2", "goog", first.sha256).status().code() == StatusCode::kNotFound);
  // Other bytes under the name, the bytes under another name, or another tenant: new datasets.
  REQUIRE(store->CreateDataset(MakeDataset("ds3", "t1", "goog", 30))->id == "ds3");
  DatasetRecord renamed = MakeDataset("ds4", "t1", "goog-copy", 40);
  renamed.sha256 = first.sha256;
  REQUIRE(store->CreateDataset(renamed)->id == "ds4");
  DatasetRecord theirs = MakeDataset("ds5", "t2", "goog", 50);
  theirs.sha256 = first.sha256;
  REQUIRE(store->CreateDataset(theirs)->id == "ds5");
  CHECK(store->ListDatasets("t1")->size() == 3);
  CHECK(store->CreateDataset(MakeDataset("ds1", "t1", "x", 60)).status().code() ==
        StatusCode::kAlreadyExists);
}

TEST_CASE("Datasets: delete, refused while a queued or running job uses it", "[store]") {
  BTR_EACH_STORE(store);
  REQUIRE(store->CreateDataset(MakeDataset("ds1", "t1", "goog", 10)).ok());
  REQUIRE(store->CreateDataset(MakeDataset("ds2", "t1", "eurusd", 10)).ok());
  JobRecord job = MakeJob("j1", "t1");
  job.spec_json = R"({"engine":"native","strategy":{"name":"sma_cross"},"dataset":"ds1"})";
  REQUIRE(store->CreateJob(job).ok());
  for (bool running : {false, true}) {
    if (running) REQUIRE(ClaimAndStart(*store, "j1", "native", 2000).ok());
    const Status refused = store->DeleteDataset("t1", "ds1").status();
    INFO(refused.ToString());
    CHECK(refused.code() == StatusCode::kFailedPrecondition);
    CHECK(refused.message().find("backtest 'j1'") != std::string::npos);
    CHECK(refused.message().find(running ? "running" : "queued") != std::string::npos);
  }
  CHECK(store->DeleteDataset("t2", "ds2").status().code() == StatusCode::kNotFound);  // not theirs
  Result<DatasetRecord> other = store->DeleteDataset("t1", "ds2");  // no job uses it
  REQUIRE(other.ok());
  CHECK(other->path == "/data/ds2.csv");
  CHECK(store->GetDataset("t1", "ds2").status().code() == StatusCode::kNotFound);
  REQUIRE(store->FinishJob("j1", 1, JobStatus::kSucceeded, {}, "", "", 3000).ok());
  CHECK(store->DeleteDataset("t1", "ds1").ok());  // finished jobs keep their results
  CHECK(store->ListDatasets("t1")->empty());
  CHECK(store->GetResult("t1", "j1").ok());
  CHECK(store->DeleteDataset("t1", "ds1").status().code() == StatusCode::kNotFound);
}

TEST_CASE("Datasets: a job's spec names its dataset exactly, not as part of another id",
          "[store]") {
  BTR_EACH_STORE(store);
  REQUIRE(store->CreateDataset(MakeDataset("ds1", "t1", "goog", 10)).ok());
  JobRecord job = MakeJob("j1", "t1");
  job.spec_json = R"({"engine":"native","strategy":{"name":"ds1"},"dataset":"ds10"})";
  REQUIRE(store->CreateJob(job).ok());
  CHECK(store->DeleteDataset("t1", "ds1").ok());
}

TEST_CASE("Datasets: the bytes given to PutDatasetBytes come back through LocalPath", "[store]") {
  BTR_EACH_STORE(store);
  std::string bytes = "time,open,high,low,close\n";
  for (int i = 0; i < 2000; ++i) {
    bytes += std::to_string(1700000000 + i * 60) + ",1.5,2.5,0.5," + std::to_string(i) + "\n";
  }
  DatasetRecord d = MakeDataset("ds1", "t1", "bars", 10);
  d.path = store.dir().Write("upload.csv", bytes);
  d.sha256 = Sha256Hex(bytes);
  d.bytes = bytes.size();
  REQUIRE(store->CreateDataset(d).ok());
  REQUIRE(store->PutDatasetBytes(d, d.path).ok());
  const std::string cache = store.dir().Path("cache");
  Result<std::string> local = store->LocalPath(d, cache);
  INFO(local.status().ToString());
  REQUIRE(local.ok());
  CHECK(testing::ReadFile(*local) == bytes);
  Result<std::string> again = store->LocalPath(d, cache);
  REQUIRE(again.ok());
  CHECK(*again == *local);
}

TEST_CASE("API keys: put, get, list, revoke, count", "[store]") {
  BTR_EACH_STORE(store);
  CHECK(*store->CountApiKeys() == 0);
  const ApiKeyRecord admin = MakeKey("k1", "root", Role::kAdmin, "h1", 10);
  const ApiKeyRecord user = MakeKey("k2", "t1", Role::kUser, "h2", 20);
  REQUIRE(store->PutApiKey(admin).ok());
  REQUIRE(store->PutApiKey(user).ok());
  ApiKeyRecord clash = user;
  clash.secret_hash = "other";
  CHECK(store->PutApiKey(clash).code() == StatusCode::kAlreadyExists);
  CHECK(store->GetApiKey("k2")->secret_hash == "h2");

  auto got = store->GetApiKey("k1");
  REQUIRE(got.ok());
  CHECK(got->tenant == "root");
  CHECK(got->role == Role::kAdmin);
  CHECK(got->created_at == 10);
  CHECK(got->revoked_at == 0);
  CHECK(store->GetApiKey("k2")->role == Role::kUser);
  CHECK(store->GetApiKey("nope").status().code() == StatusCode::kNotFound);

  REQUIRE(store->RevokeApiKey("k2", 30).ok());
  REQUIRE(store->RevokeApiKey("k2", 40).ok());  // keeps the first time
  CHECK(store->GetApiKey("k2")->revoked_at == 30);
  CHECK(store->RevokeApiKey("nope", 30).code() == StatusCode::kNotFound);

  auto list = store->ListApiKeys();
  REQUIRE(list.ok());
  REQUIRE(list->size() == 2);
  CHECK((*list)[0].id == "k1");
  CHECK((*list)[1].revoked_at == 30);
  CHECK(*store->CountApiKeys() == 2);
}

}  // namespace
}  // namespace btr
