// The PostgreSQL client against a real PostgreSQL 15 server on loopback.
#include "services/pg/pg_client.h"

#include <catch2/catch.hpp>
#include <thread>

#include "tests/support/local_servers.h"

namespace btr {
namespace {

using testing::LocalPostgres;

LocalPostgres& Server() {
  static LocalPostgres server;
  return server;
}

std::string NewDatabase() {
  static int counter = 0;
  return Server().CreateDatabase("pgtest_" + std::to_string(++counter));
}

TEST_CASE("statements with parameters, typed cells, bytea both ways") {
  Result<PgConnectionPtr> c = PgConnection::Connect(NewDatabase());
  REQUIRE(c.ok());
  PgConnection& conn = **c;
  REQUIRE(conn.ExecScript("CREATE TABLE t (id text PRIMARY KEY, n bigint, x double precision, "
                          "b bytea, flag boolean, maybe text)")
              .ok());
  const std::string blob("\x00\x01\xff\x7f\n\\x", 7);
  Result<PgResult> inserted =
      conn.Exec("INSERT INTO t VALUES ($1, $2, $3, $4, $5, $6)",
                {PgText("a'; DROP TABLE t; --"), PgInt(-42), PgDouble(0.1 + 0.2), PgBytes(blob),
                 PgBool(true), PgNull()});
  REQUIRE(inserted.ok());
  CHECK(inserted->affected() == 1);
  Result<PgResult> row = conn.Exec("SELECT id, n, x, b, flag, maybe FROM t");
  REQUIRE(row.ok());
  REQUIRE(row->rows() == 1);
  CHECK(row->GetString(0, 0) == "a'; DROP TABLE t; --");  // a parameter, never SQL
  CHECK(row->GetInt(0, 1) == -42);
  CHECK(row->GetDouble(0, 2) == 0.1 + 0.2);  // exact round trip
  CHECK(row->GetBytes(0, 3) == blob);
  CHECK(row->GetBool(0, 4));
  CHECK(row->IsNull(0, 5));
  CHECK(row->Column("maybe") == 5);
  CHECK(row->Column("nope") == -1);
}

TEST_CASE("errors are classified") {
  Result<PgConnectionPtr> c = PgConnection::Connect(NewDatabase());
  REQUIRE(c.ok());
  REQUIRE((*c)->ExecScript("CREATE TABLE u (id text PRIMARY KEY)").ok());
  REQUIRE((*c)->Exec("INSERT INTO u VALUES ($1)", {PgText("x")}).ok());
  Result<PgResult> dup = (*c)->Exec("INSERT INTO u VALUES ($1)", {PgText("x")});
  CHECK(dup.status().code() == StatusCode::kAlreadyExists);
  CHECK(dup.status().message().find("23505") != std::string::npos);
  Result<PgResult> bad = (*c)->Exec("SELECT $1::int", {PgText("abc")});
  CHECK(bad.status().code() == StatusCode::kInvalidArgument);
  Result<PgResult> syntax = (*c)->Exec("SELEC 1");
  CHECK(syntax.status().code() == StatusCode::kInternal);
  CHECK(!(*c)->broken());
  Result<PgConnectionPtr> nowhere =
      PgConnection::Connect("postgresql://postgres:secret@127.0.0.1:1/x", std::chrono::seconds(1));
  REQUIRE(!nowhere.ok());
  CHECK(nowhere.status().code() == StatusCode::kUnavailable);
  CHECK(nowhere.status().message().find("secret") == std::string::npos);
  CHECK(RedactedPgUrl("postgresql://u:pw@h/db") == "postgresql://u:***@h/db");
  CHECK(RedactedPgUrl("postgresql://u@h/db?password=pw&sslmode=off") ==
        "postgresql://u@h/db?password=***&sslmode=off");
  CHECK(RedactedPgUrl("host=h password=pw dbname=d") == "host=h password=*** dbname=d");
  CHECK(RedactedPgUrl("host=h password='p w\\' x' dbname=d") == "host=h password=*** dbname=d");
  CHECK(RedactedPgUrl("host=h oldpassword=x") == "host=h oldpassword=x");  // not the key
  CHECK(RedactedPgUrl("postgresql://u:p@ss@h:5432/db") == "postgresql://u:***@h:5432/db");
  CHECK(RedactedPgUrl("postgresql://h:5432/db?user=a@b") == "postgresql://h:5432/db?user=a@b");
}

TEST_CASE("prepared statements: prepared once per connection, reused with new parameters") {
  Result<PgConnectionPtr> c = PgConnection::Connect(NewDatabase());
  REQUIRE(c.ok());
  PgConnection& conn = **c;
  REQUIRE(conn.ExecScript("CREATE TABLE p (k text PRIMARY KEY, v bigint, b bytea)").ok());
  const std::string insert = "INSERT INTO p VALUES ($1, $2, $3::bytea) RETURNING v";
  for (int i = 0; i < 5; ++i) {
    Result<PgResult> row = conn.ExecPrepared(
        insert, {PgText("k" + std::to_string(i)), PgInt(i * 10), PgBytes(std::string(1, '\0'))});
    REQUIRE(row.ok());
    CHECK(row->GetInt(0, 0) == i * 10);
  }
  // One server-side statement for the five calls.
  Result<PgResult> prepared = conn.Exec(
      "SELECT COUNT(*) FROM pg_prepared_statements WHERE statement = $1", {PgText(insert)});
  REQUIRE(prepared.ok());
  CHECK(prepared->GetInt(0, 0) == 1);
  Result<PgResult> dup = conn.ExecPrepared(insert, {PgText("k1"), PgInt(0), PgBytes("")});
  CHECK(dup.status().code() == StatusCode::kAlreadyExists);
  CHECK(conn.ExecPrepared("SELEC 1").status().code() == StatusCode::kInternal);
  CHECK(conn.ExecPrepared("SELECT SUM(v) FROM p")->GetInt(0, 0) == 100);
}

TEST_CASE("transactions commit, roll back, and the pool serves many threads") {
  PgPool pool(NewDatabase(), 4);
  REQUIRE(pool.Exec("CREATE TABLE c (k text PRIMARY KEY, v bigint)").ok());
  REQUIRE(pool.Exec("INSERT INTO c VALUES ('n', 0)").ok());
  Status failed = pool.Transaction([](PgConnection& conn) -> Status {
    if (auto r = conn.Exec("UPDATE c SET v = 100 WHERE k = 'n'"); !r.ok()) return r.status();
    return Status::FailedPrecondition("changed my mind");
  });
  CHECK(failed.code() == StatusCode::kFailedPrecondition);
  CHECK(pool.Exec("SELECT v FROM c")->GetInt(0, 0) == 0);  // rolled back

  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&pool] {
      for (int k = 0; k < 50; ++k) {
        REQUIRE(pool.Transaction([](PgConnection& conn) {
                      return conn.Exec("UPDATE c SET v = v + 1 WHERE k = 'n'").status();
                    })
                    .ok());
      }
    });
  }
  for (std::thread& t : threads) t.join();
  CHECK(pool.Exec("SELECT v FROM c")->GetInt(0, 0) == 300);
}

TEST_CASE("the pool replaces connections a server restart broke") {
  LocalPostgres server;
  PgPool pool(server.CreateDatabase("restart"), 2);
  REQUIRE(pool.Exec("CREATE TABLE r (v int)").ok());
  REQUIRE(pool.Exec("INSERT INTO r VALUES (7)").ok());
  server.Kill(SIGKILL);
  Result<PgResult> down = pool.Exec("SELECT v FROM r");
  CHECK(down.status().code() == StatusCode::kUnavailable);
  server.Start();
  Result<PgResult> again = pool.Exec("SELECT v FROM r");
  INFO(again.status().message());
  REQUIRE(again.ok());
  CHECK(again->GetInt(0, 0) == 7);  // committed rows survive kill -9
}

TEST_CASE("idle connections the server closed are replaced before they are handed out") {
  LocalPostgres server;
  PgPool pool(server.CreateDatabase("idle"), 3);
  {
    // Three connections open and idle in the pool.
    std::vector<PgPool::Lease> leases;
    for (int i = 0; i < 3; ++i) {
      Result<PgPool::Lease> lease = pool.Acquire();
      REQUIRE(lease.ok());
      CHECK((*lease)->LooksAlive());
      leases.push_back(std::move(lease).value());
    }
  }
  server.Kill(SIGINT);  // a clean shutdown: the server says goodbye on each connection
  server.Start();
  for (int i = 0; i < 6; ++i) {
    Result<PgResult> one = pool.Exec("SELECT 1");
    INFO(one.status().message());
    CHECK(one.ok());
  }
}

}  // namespace
}  // namespace btr
