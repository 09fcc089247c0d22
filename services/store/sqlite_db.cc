#include "services/store/sqlite_db.h"

#include <sqlite3.h>

#include <cstdint>
#include <string>

namespace btr::sqlite {
namespace {

// SQLITE_TRANSIENT without its old-style cast: SQLite copies the bound value.
sqlite3_destructor_type Transient() {
  return reinterpret_cast<sqlite3_destructor_type>(static_cast<intptr_t>(-1));
}

Status MakeError(std::string_view op, int rc, std::string_view message) {
  std::string text = std::string(op) + ": sqlite: " + std::string(message);
  const int primary = rc & 0xff;
  if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
    return Status::AlreadyExists(std::move(text));
  }
  if (primary != SQLITE_CONSTRAINT) text += " (" + std::string(sqlite3_errstr(rc)) + ")";
  return Status::Internal(std::move(text));
}

}  // namespace

// --- Connection ---

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& path, bool create,
                                                     int busy_timeout_ms) {
  sqlite3* db = nullptr;
  // NOMUTEX: SQLite's own locking is redundant, callers hold mu().
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    const std::string message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    return Status::Internal("open " + path + ": sqlite: " + message);
  }
  std::unique_ptr<Connection> conn(new Connection(db));
  sqlite3_extended_result_codes(db, 1);
  if (int brc = sqlite3_busy_timeout(db, busy_timeout_ms); brc != SQLITE_OK) {
    return conn->Error("busy_timeout", brc);
  }
  BTR_RETURN_IF_ERROR(conn->Exec("open", "PRAGMA foreign_keys = ON"));
  return conn;
}

Connection::~Connection() {
  for (auto& [sql, cached] : cache_) sqlite3_finalize(cached.stmt);
  sqlite3_close_v2(db_);
}

Status Connection::Exec(std::string_view op, const std::string& sql) {
  char* message = nullptr;
  const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message);
  if (rc == SQLITE_OK) return Status::Ok();
  Status status = MakeError(op, rc, message != nullptr ? message : sqlite3_errstr(rc));
  sqlite3_free(message);
  return status;
}

Result<std::string> Connection::QueryText(std::string_view op, const std::string& sql) {
  BTR_SQLITE_ASSIGN_OR_RETURN(Statement st, Prepare(op, sql));
  BTR_SQLITE_ASSIGN_OR_RETURN(const bool row, st.Step());
  return row ? st.ColumnText(0) : std::string();
}

Result<Statement> Connection::Prepare(std::string_view op, std::string_view sql) {
  auto it = cache_.find(std::string(sql));
  if (it != cache_.end() && !it->second.in_use) {
    it->second.in_use = true;
    return Statement(this, it->second.stmt, &it->second.in_use, op);
  }
  const bool cache = it == cache_.end();
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                    cache ? SQLITE_PREPARE_PERSISTENT : 0, &stmt, nullptr);
  if (rc != SQLITE_OK) return Error(op, rc);
  if (stmt == nullptr) return Status::Internal(std::string(op) + ": empty SQL statement");
  if (!cache) return Statement(this, stmt, nullptr, op);
  Cached& slot = cache_[std::string(sql)];
  slot.stmt = stmt;
  slot.in_use = true;
  return Statement(this, stmt, &slot.in_use, op);
}

int64_t Connection::Changes() const { return sqlite3_changes(db_); }

bool Connection::AutoCommit() const { return sqlite3_get_autocommit(db_) != 0; }

Status Connection::Error(std::string_view op, int rc) const {
  return MakeError(op, rc, sqlite3_errmsg(db_));
}

// --- Statement ---

Statement::Statement(Statement&& other) noexcept
    : conn_(other.conn_),
      stmt_(std::exchange(other.stmt_, nullptr)),
      in_use_(std::exchange(other.in_use_, nullptr)),
      op_(other.op_),
      next_param_(other.next_param_),
      bind_status_(std::move(other.bind_status_)) {}

Statement::~Statement() {
  if (stmt_ == nullptr) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  if (in_use_ != nullptr) {
    *in_use_ = false;
  } else {
    sqlite3_finalize(stmt_);
  }
}

void Statement::CheckBind(int rc) {
  if (rc != SQLITE_OK && bind_status_.ok()) {
    bind_status_ = MakeError(
        op_, rc, "bind parameter " + std::to_string(next_param_) + ": " + sqlite3_errstr(rc));
  }
  ++next_param_;
}

Statement& Statement::Text(std::string_view v) {
  // A null data pointer would bind NULL; an empty string must stay a string.
  CheckBind(sqlite3_bind_text64(stmt_, next_param_, v.data() != nullptr ? v.data() : "", v.size(),
                                Transient(), SQLITE_UTF8));
  return *this;
}

Statement& Statement::TextOrNull(std::string_view v) {
  if (!v.empty()) return Text(v);
  CheckBind(sqlite3_bind_null(stmt_, next_param_));
  return *this;
}

Statement& Statement::Blob(std::string_view v) {
  CheckBind(sqlite3_bind_blob64(stmt_, next_param_, v.data() != nullptr ? v.data() : "", v.size(),
                                Transient()));
  return *this;
}

Statement& Statement::Int(int64_t v) {
  CheckBind(sqlite3_bind_int64(stmt_, next_param_, v));
  return *this;
}

Statement& Statement::Real(double v) {
  CheckBind(sqlite3_bind_double(stmt_, next_param_, v));
  return *this;
}

Result<bool> Statement::Step() {
  if (!bind_status_.ok()) return bind_status_;
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return conn_->Error(op_, rc);
}

Status Statement::Run() {
  for (;;) {
    BTR_SQLITE_ASSIGN_OR_RETURN(const bool row, Step());
    if (!row) return Status::Ok();
  }
}

std::string Statement::ColumnText(int i) const {
  const unsigned char* p = sqlite3_column_text(stmt_, i);
  const int n = sqlite3_column_bytes(stmt_, i);
  return p != nullptr ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(n))
                      : std::string();
}

std::string Statement::ColumnBlob(int i) const {
  const void* p = sqlite3_column_blob(stmt_, i);
  const int n = sqlite3_column_bytes(stmt_, i);
  return p != nullptr ? std::string(static_cast<const char*>(p), static_cast<size_t>(n))
                      : std::string();
}

int64_t Statement::ColumnInt(int i) const { return sqlite3_column_int64(stmt_, i); }

double Statement::ColumnReal(int i) const { return sqlite3_column_double(stmt_, i); }

// --- Transaction ---

Transaction::~Transaction() {
  if (open_ && !conn_->AutoCommit()) {
    // Best effort: a failed rollback leaves nothing to do (SQLite rolls back on close).
    (void)Run("ROLLBACK");
  }
  RestoreSynchronous();
}

Status Transaction::Begin(Mode mode, Durability durability) {
  if (durability == Durability::kRelaxed) {
    BTR_RETURN_IF_ERROR(Run("PRAGMA synchronous = NORMAL"));
    relaxed_ = true;
  }
  BTR_RETURN_IF_ERROR(Run(mode == Mode::kImmediate ? "BEGIN IMMEDIATE" : "BEGIN"));
  open_ = true;
  return Status::Ok();
}

Status Transaction::Commit() {
  BTR_RETURN_IF_ERROR(Run("COMMIT"));
  open_ = false;
  RestoreSynchronous();
  return Status::Ok();
}

void Transaction::RestoreSynchronous() {
  if (!relaxed_) return;
  relaxed_ = false;
  // Cannot fail outside a transaction short of memory exhaustion; the next relaxed
  // transaction sets it again either way.
  (void)Run("PRAGMA synchronous = FULL");
}

Status Transaction::Run(std::string_view sql) {
  BTR_SQLITE_ASSIGN_OR_RETURN(Statement st, conn_->Prepare(op_, sql));
  return st.Run();
}

}  // namespace btr::sqlite
