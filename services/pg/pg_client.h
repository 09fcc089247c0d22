// A small PostgreSQL client on libpq 15: connections, parameterized statements, results as
// typed cells, transactions, and a pool of exclusive connections. Used by the PostgreSQL store.
//
//   Result<PgConnectionPtr> c = PgConnection::Connect("postgresql://u@h:5432/db");
//   Result<PgResult> r = (*c)->Exec("SELECT id FROM jobs WHERE tenant = $1", {PgText("alice")});
//
// Parameters are sent as text, or as binary for bytea (PgBytes), never spliced into SQL.
// Results come back as text; bytea cells decode with PgResult::GetBytes.
//
// Errors: Unavailable when the server cannot be reached or the connection broke (broken() is
// then true and the pool replaces it) and for serialization failures and deadlocks (SQLSTATE
// 40001, 40P01: retry the transaction); AlreadyExists for a unique violation (23505);
// InvalidArgument for other data errors (class 22); Internal otherwise, with PostgreSQL's
// message and SQLSTATE. No exception leaves this module.
//
// Threads: a PgConnection is used by one thread at a time (libpq's rule). PgPool is
// thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engines/core/status.h"

struct pg_conn;
struct pg_result;

namespace btr {

struct PgParam {
  std::optional<std::string> value;  // nullopt: SQL NULL
  bool binary = false;               // bytea sent as raw bytes
};
inline PgParam PgText(std::string value) { return {std::move(value), false}; }
inline PgParam PgInt(int64_t value) { return {std::to_string(value), false}; }
PgParam PgDouble(double value);  // round-trip exact (17 significant digits)
inline PgParam PgBool(bool value) { return {value ? "true" : "false", false}; }
inline PgParam PgBytes(std::string bytes) { return {std::move(bytes), true}; }
inline PgParam PgNull() { return {std::nullopt, false}; }

class PgResult {
 public:
  PgResult() = default;
  explicit PgResult(pg_result* result);
  ~PgResult();
  PgResult(PgResult&& other) noexcept;
  PgResult& operator=(PgResult&& other) noexcept;
  PgResult(const PgResult&) = delete;
  PgResult& operator=(const PgResult&) = delete;

  int rows() const;
  int columns() const;
  int Column(std::string_view name) const;  // -1 when absent
  bool IsNull(int row, int column) const;
  std::string_view Get(int row, int column) const;  // "" for NULL
  std::string GetString(int row, int column) const { return std::string(Get(row, column)); }
  int64_t GetInt(int row, int column) const;        // 0 for NULL or non-numbers
  double GetDouble(int row, int column) const;      // 0 for NULL
  bool GetBool(int row, int column) const;          // "t"
  std::string GetBytes(int row, int column) const;  // a bytea cell, decoded
  // Rows a command touched (UPDATE, DELETE, INSERT).
  int64_t affected() const;

 private:
  pg_result* result_ = nullptr;
};

class PgConnection;
using PgConnectionPtr = std::unique_ptr<PgConnection>;

class PgConnection {
 public:
  // `url`: a libpq connection string or URI. Waits at most `connect_timeout`.
  static Result<PgConnectionPtr> Connect(
      const std::string& url, std::chrono::seconds connect_timeout = std::chrono::seconds(5));
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // One statement (with $1.. placeholders).
  Result<PgResult> Exec(std::string_view sql, const std::vector<PgParam>& params = {});
  // The same through a statement prepared on this connection: the first call with a given `sql`
  // prepares it (PQprepare), later calls only bind and run it, so the server parses and plans
  // it once per connection. For a caller's fixed statements: every distinct text stays prepared
  // as long as the connection lives. Parameter types are inferred from the statement (cast a
  // parameter whose type the context leaves open, e.g. "$1::bigint").
  Result<PgResult> ExecPrepared(std::string_view sql, const std::vector<PgParam>& params = {});
  // Several statements without parameters (migrations).
  Status ExecScript(std::string_view sql);

  bool broken() const;
  // For an idle connection: false when the server closed it (a restart, an idle timeout), which
  // shows as its socket being readable at end of file. Consumes what the socket holds; never
  // blocks.
  bool LooksAlive();

 private:
  explicit PgConnection(pg_conn* conn);
  Status ErrorOf(pg_result* result, std::string_view sql);
  Result<PgResult> Finish(pg_result* raw, std::string_view sql);
  // libpq's notice receiver: notices are dropped, except that a FATAL or PANIC message (the
  // server ending the session) marks the connection as closed by the server.
  static void OnNotice(void* self, const pg_result* notice);

  pg_conn* conn_;
  bool closed_by_server_ = false;
  std::unordered_map<std::string, std::string> prepared_;  // statement text -> its name
};

// Exclusive connections; broken ones are dropped and replaced on the next Acquire, and so are
// idle ones the server closed meanwhile (LooksAlive), so the first call after a server restart
// gets a fresh connection. At most `max_connections` at once; Acquire waits up to the connect
// timeout for one.
class PgPool {
 public:
  PgPool(std::string url, size_t max_connections = 8,
         std::chrono::seconds connect_timeout = std::chrono::seconds(5));
  ~PgPool();

  class Lease {
   public:
    Lease(PgPool* pool, PgConnectionPtr connection)
        : pool_(pool), connection_(std::move(connection)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = default;
    ~Lease();
    PgConnection* operator->() { return connection_.get(); }
    PgConnection& operator*() { return *connection_; }

   private:
    PgPool* pool_;
    PgConnectionPtr connection_;
  };

  Result<Lease> Acquire();
  // Acquire + Exec, outside any transaction.
  Result<PgResult> Exec(std::string_view sql, const std::vector<PgParam>& params = {});
  // BEGIN, `body`, COMMIT; ROLLBACK when `body` or COMMIT fails. A serialization failure or
  // deadlock (Unavailable from the server) is retried up to 3 times; `body` must be safe to run
  // again.
  Status Transaction(const std::function<Status(PgConnection&)>& body);

  const std::string& url() const { return url_; }

 private:
  void Release(PgConnectionPtr connection);

  const std::string url_;
  const size_t max_connections_;
  const std::chrono::seconds connect_timeout_;
  std::mutex mu_;
  std::condition_variable available_;
  std::vector<PgConnectionPtr> idle_;  // guarded by mu_
  size_t open_ = 0;                    // guarded by mu_
};

// The URL without its password, for messages and logs: "postgresql://u:***@h/db", and
// "password=***" for a password given as a keyword ("host=h password=...") or a URI parameter
// ("...?password=...").
std::string RedactedPgUrl(std::string_view url);

}  // namespace btr
