// QuantConnect-style projects of every Store, on both backends (store_under_test.h): ids,
// every field read back, tenant scoping, names unique per tenant, update, delete, listing.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "tests/services/store/store_test_util.h"
#include "tests/services/store/store_under_test.h"

namespace btr {
namespace {

ProjectRecord MakeProject(const std::string& tenant, const std::string& name, TimeNs at) {
  ProjectRecord p;
  p.tenant = tenant;
  p.name = name;
  p.language = "Py";
  p.description = "the project " + name;
  p.files_json = R"({"main.py":{"content":"x = 1","modified":)" + std::to_string(at) + "}}";
  p.parameters_json = R"({"fast":"10","slow":"30"})";
  p.created_at = at;
  return p;
}

// Creates `p`, which must be created, and returns its id.
int64_t Create(Store& store, const ProjectRecord& p) {
  Result<int64_t> id = store.CreateProject(p);
  INFO(id.status().ToString());
  REQUIRE(id.ok());
  return *id;
}

std::vector<std::string> Names(const std::vector<ProjectRecord>& projects) {
  std::vector<std::string> names;
  for (const ProjectRecord& p : projects) names.push_back(p.name);
  return names;
}

TEST_CASE("projects get distinct increasing ids and are read back whole by their tenant",
          "[store]") {
  BTR_EACH_STORE(store);
  const int64_t a = Create(*store, MakeProject("t1", "alpha", 100));
  const int64_t b = Create(*store, MakeProject("t2", "beta", 200));
  const int64_t c = Create(*store, MakeProject("t1", "gamma", 300));
  CHECK(a > 0);
  CHECK(a < b);
  CHECK(b < c);

  ProjectRecord csharp = MakeProject("t1", "delta", 400);
  csharp.language = "C#";
  csharp.modified_at = 450;
  const int64_t d = Create(*store, csharp);
  CHECK(c < d);

  Result<ProjectRecord> got = store->GetProject("t1", a);
  REQUIRE(got.ok());
  const ProjectRecord want = MakeProject("t1", "alpha", 100);
  CHECK(got->id == a);
  CHECK(got->tenant == "t1");
  CHECK(got->name == "alpha");
  CHECK(got->language == "Py");
  CHECK(got->description == want.description);
  CHECK(got->files_json == want.files_json);
  CHECK(got->parameters_json == want.parameters_json);
  CHECK(got->runs_json == "{}");
  CHECK(got->created_at == 100);
  CHECK(got->modified_at == 100);  // modified_at 0: the creation time

  Result<ProjectRecord> got_d = store->GetProject("t1", d);
  REQUIRE(got_d.ok());
  CHECK(got_d->language == "C#");
  CHECK(got_d->created_at == 400);
  CHECK(got_d->modified_at == 450);

  CHECK(store->GetProject("t1", d + 1000).status().code() == StatusCode::kNotFound);
  CHECK(store->CreateProject(MakeProject("", "x", 1)).status().code() ==
        StatusCode::kInvalidArgument);
  CHECK(store->CreateProject(MakeProject("t1", "", 1)).status().code() ==
        StatusCode::kInvalidArgument);
}

TEST_CASE("another tenant's project is NotFound and not listed", "[store]") {
  BTR_EACH_STORE(store);
  const int64_t id = Create(*store, MakeProject("t1", "mine", 100));

  const Status get = store->GetProject("t2", id).status();
  CHECK(get.code() == StatusCode::kNotFound);
  CHECK(get.message() == "project " + std::to_string(id) + " not found");

  ProjectRecord theirs = MakeProject("t2", "stolen", 200);
  theirs.id = id;
  theirs.modified_at = 200;
  CHECK(store->UpdateProject(theirs).code() == StatusCode::kNotFound);
  CHECK(store->DeleteProject("t2", id).code() == StatusCode::kNotFound);

  Result<std::vector<ProjectRecord>> listed = store->ListProjects("t2");
  REQUIRE(listed.ok());
  CHECK(listed->empty());

  // Nothing of t1's changed.
  Result<ProjectRecord> kept = store->GetProject("t1", id);
  REQUIRE(kept.ok());
  CHECK(kept->name == "mine");
  CHECK(kept->modified_at == 100);
}

TEST_CASE("project names are unique per tenant", "[store]") {
  BTR_EACH_STORE(store);
  const int64_t first = Create(*store, MakeProject("t1", "sma", 100));
  const Status again = store->CreateProject(MakeProject("t1", "sma", 200)).status();
  CHECK(again.code() == StatusCode::kAlreadyExists);
  CHECK(again.message() == "name: a project named 'sma' exists already (choose another name)");

  const int64_t other = Create(*store, MakeProject("t2", "sma", 300));
  CHECK(other > first);

  Result<std::vector<ProjectRecord>> t1 = store->ListProjects("t1");
  REQUIRE(t1.ok());
  CHECK(Names(*t1) == std::vector<std::string>{"sma"});
  Result<std::vector<ProjectRecord>> t2 = store->ListProjects("t2");
  REQUIRE(t2.ok());
  REQUIRE(t2->size() == 1);
  CHECK(t2->front().id == other);
}

TEST_CASE("updating a project replaces its fields, not onto another project's name", "[store]") {
  BTR_EACH_STORE(store);
  const int64_t a = Create(*store, MakeProject("t1", "alpha", 100));
  const int64_t b = Create(*store, MakeProject("t1", "beta", 200));

  ProjectRecord changed = MakeProject("t1", "alpha2", 999);  // created_at is not replaced
  changed.id = a;
  changed.language = "C#";
  changed.description = "renamed";
  changed.files_json = R"({"Main.cs":{"content":"class A {}","modified":500}})";
  changed.parameters_json = R"({"period":"14"})";
  changed.runs_json = R"({"bt_1":{"name":"ignored"}})";  // UpdateProject leaves runs_json
  changed.modified_at = 500;
  REQUIRE(store->UpdateProject(changed).ok());

  Result<ProjectRecord> got = store->GetProject("t1", a);
  REQUIRE(got.ok());
  CHECK(got->id == a);
  CHECK(got->tenant == "t1");
  CHECK(got->name == "alpha2");
  CHECK(got->language == "C#");
  CHECK(got->description == "renamed");
  CHECK(got->files_json == changed.files_json);
  CHECK(got->parameters_json == changed.parameters_json);
  CHECK(got->runs_json == "{}");
  CHECK(got->created_at == 100);
  CHECK(got->modified_at == 500);

  // SetProjectRuns replaces runs_json alone; a later UpdateProject keeps it.
  const std::string runs = R"({"bt_1":{"name":"renamed run","note":"n"}})";
  REQUIRE(store->SetProjectRuns("t1", a, runs).ok());
  changed.description = "again";
  REQUIRE(store->UpdateProject(changed).ok());
  Result<ProjectRecord> labelled = store->GetProject("t1", a);
  REQUIRE(labelled.ok());
  CHECK(labelled->runs_json == runs);
  CHECK(labelled->description == "again");
  CHECK(labelled->files_json == changed.files_json);
  CHECK(store->SetProjectRuns("t2", a, runs).code() == StatusCode::kNotFound);
  CHECK(store->SetProjectRuns("t1", 987654, runs).code() == StatusCode::kNotFound);

  // Keeping its own name is no conflict.
  changed.modified_at = 600;
  REQUIRE(store->UpdateProject(changed).ok());
  CHECK(store->GetProject("t1", a)->modified_at == 600);

  ProjectRecord onto_beta = changed;
  onto_beta.name = "beta";
  onto_beta.modified_at = 700;
  const Status taken = store->UpdateProject(onto_beta);
  CHECK(taken.code() == StatusCode::kAlreadyExists);
  CHECK(taken.message() == "name: a project named 'beta' exists already (choose another name)");
  CHECK(store->GetProject("t1", a)->name == "alpha2");
  CHECK(store->GetProject("t1", a)->modified_at == 600);
  CHECK(store->GetProject("t1", b)->name == "beta");

  ProjectRecord missing = changed;
  missing.id = b + 1000;
  CHECK(store->UpdateProject(missing).code() == StatusCode::kNotFound);
  ProjectRecord unnamed = changed;
  unnamed.name = "";
  CHECK(store->UpdateProject(unnamed).code() == StatusCode::kInvalidArgument);
}

TEST_CASE("a deleted project is gone, its name free and its id not given again", "[store]") {
  BTR_EACH_STORE(store);
  const int64_t a = Create(*store, MakeProject("t1", "alpha", 100));
  const int64_t b = Create(*store, MakeProject("t1", "beta", 200));
  REQUIRE(store->DeleteProject("t1", b).ok());
  CHECK(store->GetProject("t1", b).status().code() == StatusCode::kNotFound);
  CHECK(store->DeleteProject("t1", b).code() == StatusCode::kNotFound);

  const int64_t again = Create(*store, MakeProject("t1", "beta", 300));
  CHECK(again > b);
  Result<std::vector<ProjectRecord>> listed = store->ListProjects("t1");
  REQUIRE(listed.ok());
  REQUIRE(listed->size() == 2);
  CHECK((*listed)[0].id == a);
  CHECK((*listed)[1].id == again);
}

TEST_CASE("a tenant's projects are listed oldest first and survive reopening", "[store]") {
  BTR_EACH_STORE(opened);
  std::vector<int64_t> ids;
  {
    Store* store = opened.get();
    // Created out of name and time order: the listing follows creation (the id).
    ids.push_back(Create(*store, MakeProject("t1", "zeta", 300)));
    ids.push_back(Create(*store, MakeProject("t2", "other", 50)));
    ids.push_back(Create(*store, MakeProject("t1", "alpha", 200)));
    ids.push_back(Create(*store, MakeProject("t1", "mu", 100)));
  }
  opened.Reopen();
  Result<std::vector<ProjectRecord>> listed = opened->ListProjects("t1");
  REQUIRE(listed.ok());
  CHECK(Names(*listed) == std::vector<std::string>{"zeta", "alpha", "mu"});
  REQUIRE(listed->size() == 3);
  CHECK((*listed)[0].id == ids[0]);
  CHECK((*listed)[1].id == ids[2]);
  CHECK((*listed)[2].id == ids[3]);
  CHECK((*listed)[0].files_json == MakeProject("t1", "zeta", 300).files_json);

  Result<std::vector<ProjectRecord>> none = opened->ListProjects("nobody");
  REQUIRE(none.ok());
  CHECK(none->empty());
}

}  // namespace
}  // namespace btr
