// A thin RAII layer over the SQLite C API, internal to the embedded store (SqliteStore is the
// public face): a Connection with a cache of prepared statements, a Statement that binds its
// parameters in order and reads columns, and a scoped Transaction.
//
// Threads: nothing here is synchronized. Every use of a Connection, of its Statements and of
// its Transactions must hold Connection::mu().
// Lifetimes: Statements and Transactions must not outlive their Connection. `op` arguments
// (the operation named in error messages) must outlive the object they are given to; callers
// pass string literals.
// Errors: nothing throws. A failure is a Status "<op>: sqlite: <SQLite's message>"; a UNIQUE
// or PRIMARY KEY violation is AlreadyExists, everything else Internal.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "engines/core/status.h"

struct sqlite3;
struct sqlite3_stmt;

// Evaluates `expr` (a Result<T>); returns its Status from the calling function on error,
// otherwise moves the value into `lhs` (a declaration such as `Statement st`).
#define BTR_SQLITE_ASSIGN_OR_RETURN(lhs, expr) \
  BTR_SQLITE_ASSIGN_OR_RETURN_IMPL(BTR_SQLITE_CONCAT(btr_result_, __LINE__), lhs, expr)
#define BTR_SQLITE_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                     \
  if (!tmp.ok()) return tmp.status();                    \
  lhs = std::move(tmp).value()
#define BTR_SQLITE_CONCAT(a, b) BTR_SQLITE_CONCAT_INNER(a, b)
#define BTR_SQLITE_CONCAT_INNER(a, b) a##b

namespace btr::sqlite {

class Statement;

class Connection {
 public:
  // Opens the database file at `path` (creating it when `create`) with extended result codes,
  // the given busy timeout (milliseconds a statement waits for another connection's lock) and
  // foreign keys enforced. ":memory:" opens a private in-memory database.
  static Result<std::unique_ptr<Connection>> Open(const std::string& path, bool create,
                                                  int busy_timeout_ms);
  ~Connection();  // finalizes the cached statements, then closes the connection
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Guards this connection; see the file comment.
  std::mutex& mu() { return mu_; }

  // Runs a script of one or more SQL statements, discarding any rows.
  Status Exec(std::string_view op, const std::string& sql);
  // Runs one statement and returns the first column of its first row as text ("" when there
  // is no row), e.g. for "PRAGMA journal_mode = WAL".
  Result<std::string> QueryText(std::string_view op, const std::string& sql);
  // A statement for `sql` (exactly one SQL statement). Statements are prepared once and cached
  // by their text; when the cached one is in use (nested use), a private copy is prepared and
  // finalized after use.
  Result<Statement> Prepare(std::string_view op, std::string_view sql);
  // Rows inserted, updated or deleted by the last completed INSERT, UPDATE or DELETE.
  int64_t Changes() const;
  // True when no transaction is open.
  bool AutoCommit() const;

  // The Status for SQLite result code `rc` from the last call on this connection.
  Status Error(std::string_view op, int rc) const;

 private:
  struct Cached {
    sqlite3_stmt* stmt = nullptr;
    bool in_use = false;
  };

  explicit Connection(sqlite3* db) : db_(db) {}

  std::mutex mu_;
  sqlite3* const db_;
  // Node-based: pointers to `in_use` stay valid while the map grows.
  std::unordered_map<std::string, Cached> cache_;
};

// A prepared statement in use. Parameters are bound in order (1, 2, ...); a failed bind is
// reported by the next Step(). On destruction the statement is reset and its bindings cleared
// (so it holds no lock and no copy of the bound values), and returned to the cache.
class Statement {
 public:
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Binds the next parameter. Values are copied.
  Statement& Text(std::string_view v);
  Statement& TextOrNull(std::string_view v);  // NULL when `v` is empty
  Statement& Blob(std::string_view v);
  Statement& Int(int64_t v);
  Statement& Real(double v);

  // Runs one step: true when a row is available, false when the statement is done.
  Result<bool> Step();
  // Steps until done (for statements whose rows are not wanted).
  Status Run();

  // Columns of the current row, counted from 0. NULL reads as "" or 0.
  std::string ColumnText(int i) const;
  std::string ColumnBlob(int i) const;
  int64_t ColumnInt(int i) const;
  double ColumnReal(int i) const;

 private:
  friend class Connection;
  Statement(Connection* conn, sqlite3_stmt* stmt, bool* in_use, std::string_view op)
      : conn_(conn), stmt_(stmt), in_use_(in_use), op_(op) {}
  void CheckBind(int rc);

  Connection* conn_;
  sqlite3_stmt* stmt_;  // null once moved from
  bool* in_use_;        // the cache slot's flag; null for a private statement
  std::string_view op_;
  int next_param_ = 1;
  Status bind_status_;
};

// One transaction on a connection: Begin(), work, Commit(). Rolled back on destruction unless
// committed (so an early `return` of an error undoes the work).
class Transaction {
 public:
  enum class Mode {
    kDeferred,   // BEGIN: for reads; takes the write lock only when it first writes
    kImmediate,  // BEGIN IMMEDIATE: for writes; waits (busy timeout) for the write lock now
  };
  // How a commit reaches the disk (a WAL-mode database opened with synchronous = FULL):
  enum class Durability {
    kSynced,   // the connection's setting: COMMIT returns once the WAL is synced to disk
    kRelaxed,  // synchronous = NORMAL for this transaction only: COMMIT does not wait for the
               // disk. It survives a crash of the process, not of the machine, until the next
               // synced commit (or checkpoint) syncs it with everything before it.
  };

  Transaction(Connection* conn, std::string_view op) : conn_(conn), op_(op) {}
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  Status Begin(Mode mode, Durability durability = Durability::kSynced);
  Status Commit();

 private:
  Status Run(std::string_view sql);
  void RestoreSynchronous();

  Connection* conn_;
  std::string_view op_;
  bool open_ = false;
  bool relaxed_ = false;  // synchronous = NORMAL until the transaction ends
};

}  // namespace btr::sqlite
