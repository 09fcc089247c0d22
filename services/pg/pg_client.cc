#include "services/pg/pg_client.h"

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>

namespace btr {

PgParam PgDouble(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.17g", value);
  return {std::string(buffer), false};
}

namespace {

// Replaces the value of every "password=" that starts a keyword ("host=h password=x") or a URI
// parameter ("?password=x", "&password=x") with "***". A keyword's value may be single-quoted.
std::string RedactPasswordParameters(std::string text) {
  constexpr std::string_view kKey = "password=";
  for (size_t at = text.find(kKey); at != std::string::npos; at = text.find(kKey, at + 1)) {
    const bool starts_word = at == 0 || text[at - 1] == ' ' || text[at - 1] == '\t' ||
                             text[at - 1] == '?' || text[at - 1] == '&';
    if (!starts_word) continue;
    const size_t value = at + kKey.size();
    size_t end = value;
    if (end < text.size() && text[end] == '\'') {
      for (++end; end < text.size() && text[end] != '\''; ++end) {
        if (text[end] == '\\') ++end;  // an escaped character inside the quotes
      }
      end = std::min(end + 1, text.size());
    } else {
      while (end < text.size() && text[end] != ' ' && text[end] != '\t' && text[end] != '&') ++end;
    }
    text.replace(value, end - value, "***");
  }
  return text;
}

}  // namespace

std::string RedactedPgUrl(std::string_view url) {
  std::string text(url);
  const size_t scheme = text.find("://");
  if (scheme != std::string::npos) {
    // user:password@ ends at the authority's last '@' (a password may hold one unencoded).
    const size_t authority_end = std::min(text.find_first_of("/?", scheme + 3), text.size());
    const size_t at = text.rfind('@', authority_end == 0 ? 0 : authority_end - 1);
    const size_t colon = text.find(':', scheme + 3);
    if (at != std::string::npos && at > scheme && colon < at) {
      text.replace(colon + 1, at - colon - 1, "***");
    }
  }
  return RedactPasswordParameters(std::move(text));
}

// --- PgResult ---

PgResult::PgResult(pg_result* result) : result_(result) {}
PgResult::~PgResult() {
  if (result_) PQclear(result_);
}
PgResult::PgResult(PgResult&& other) noexcept : result_(other.result_) { other.result_ = nullptr; }
PgResult& PgResult::operator=(PgResult&& other) noexcept {
  if (this != &other) {
    if (result_) PQclear(result_);
    result_ = other.result_;
    other.result_ = nullptr;
  }
  return *this;
}

int PgResult::rows() const { return result_ ? PQntuples(result_) : 0; }
int PgResult::columns() const { return result_ ? PQnfields(result_) : 0; }
int PgResult::Column(std::string_view name) const {
  return result_ ? PQfnumber(result_, std::string(name).c_str()) : -1;
}
bool PgResult::IsNull(int row, int column) const { return PQgetisnull(result_, row, column) != 0; }
std::string_view PgResult::Get(int row, int column) const {
  if (IsNull(row, column)) return {};
  return std::string_view(PQgetvalue(result_, row, column),
                          static_cast<size_t>(PQgetlength(result_, row, column)));
}
int64_t PgResult::GetInt(int row, int column) const {
  const std::string_view text = Get(row, column);
  int64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}
double PgResult::GetDouble(int row, int column) const {
  const std::string text(Get(row, column));
  return text.empty() ? 0.0 : std::strtod(text.c_str(), nullptr);
}
bool PgResult::GetBool(int row, int column) const { return Get(row, column) == "t"; }
std::string PgResult::GetBytes(int row, int column) const {
  if (IsNull(row, column)) return {};
  size_t length = 0;
  unsigned char* bytes = PQunescapeBytea(
      reinterpret_cast<const unsigned char*>(PQgetvalue(result_, row, column)), &length);
  if (bytes == nullptr) return {};
  std::string out(reinterpret_cast<char*>(bytes), length);
  PQfreemem(bytes);
  return out;
}
int64_t PgResult::affected() const {
  if (!result_) return 0;
  const char* text = PQcmdTuples(result_);
  return text && *text ? std::strtoll(text, nullptr, 10) : 0;
}

// --- PgConnection ---

Result<PgConnectionPtr> PgConnection::Connect(const std::string& url,
                                              std::chrono::seconds connect_timeout) {
  const std::string timeout = std::to_string(std::max<int64_t>(1, connect_timeout.count()));
  const char* keys[] = {"dbname", "connect_timeout", "application_name", nullptr};
  const char* values[] = {url.c_str(), timeout.c_str(), "btrouter", nullptr};
  pg_conn* conn = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (conn == nullptr) return Status::Unavailable("postgres: out of memory connecting");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message = PQerrorMessage(conn);
    while (!message.empty() && (message.back() == '\n' || message.back() == ' '))
      message.pop_back();
    PQfinish(conn);
    return Status::Unavailable("postgres: cannot connect to " + RedactedPgUrl(url) + ": " +
                               message);
  }
  return PgConnectionPtr(new PgConnection(conn));
}

PgConnection::PgConnection(pg_conn* conn) : conn_(conn) {
  // Notices are not printed to stderr; a server's goodbye on an idle connection is noted.
  PQsetNoticeReceiver(conn_, &PgConnection::OnNotice, this);
}

void PgConnection::OnNotice(void* self, const pg_result* notice) {
  const char* severity = PQresultErrorField(notice, PG_DIAG_SEVERITY_NONLOCALIZED);
  const std::string_view level = severity != nullptr ? severity : "";
  if (level == "FATAL" || level == "PANIC") {
    static_cast<PgConnection*>(self)->closed_by_server_ = true;
  }
}

PgConnection::~PgConnection() {
  if (conn_) PQfinish(conn_);
}

bool PgConnection::broken() const { return PQstatus(conn_) != CONNECTION_OK; }

bool PgConnection::LooksAlive() {
  // What arrives on an idle connection is a notice, or the server's goodbye: a FATAL message
  // (which OnNotice notes when PQisBusy parses it), then end of file.
  for (int reads = 0; reads < 8; ++reads) {
    if (broken() || closed_by_server_) return false;
    pollfd readable{PQsocket(conn_), POLLIN, 0};
    if (::poll(&readable, 1, 0) <= 0) return true;  // nothing (more) arrived
    if (PQconsumeInput(conn_) == 0) return false;   // end of file, or a broken socket
    (void)PQisBusy(conn_);                          // parses what arrived
  }
  return !broken() && !closed_by_server_;
}

Status PgConnection::ErrorOf(pg_result* result, std::string_view sql) {
  std::string message = result ? PQresultErrorMessage(result) : PQerrorMessage(conn_);
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  const std::string sqlstate = state ? state : "";
  const std::string statement(sql.substr(0, std::min<size_t>(sql.size(), 80)));
  message = "postgres: " + message + (sqlstate.empty() ? "" : " (SQLSTATE " + sqlstate + ")") +
            " in: " + statement;
  if (broken() || sqlstate.rfind("08", 0) == 0 || sqlstate.rfind("57P", 0) == 0) {
    return Status::Unavailable(message);
  }
  if (sqlstate == "40001" || sqlstate == "40P01") return Status::Unavailable(message);
  if (sqlstate == "23505") return Status::AlreadyExists(message);
  if (sqlstate.rfind("22", 0) == 0) return Status::InvalidArgument(message);
  return Status::Internal(message);
}

namespace {

// The parameter arrays libpq takes, pointing into `params` (which must outlive them).
struct ParamArrays {
  explicit ParamArrays(const std::vector<PgParam>& params) {
    values.reserve(params.size());
    lengths.reserve(params.size());
    formats.reserve(params.size());
    for (const PgParam& p : params) {
      values.push_back(p.value ? p.value->data() : nullptr);
      lengths.push_back(p.value ? static_cast<int>(p.value->size()) : 0);
      formats.push_back(p.binary ? 1 : 0);
    }
  }
  int count() const { return static_cast<int>(values.size()); }

  std::vector<const char*> values;
  std::vector<int> lengths, formats;
};

}  // namespace

Result<PgResult> PgConnection::Finish(pg_result* raw, std::string_view sql) {
  PgResult result(raw);
  const ExecStatusType status = raw ? PQresultStatus(raw) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) return ErrorOf(raw, sql);
  return result;
}

Result<PgResult> PgConnection::Exec(std::string_view sql, const std::vector<PgParam>& params) {
  const ParamArrays p(params);
  const std::string statement(sql);
  return Finish(PQexecParams(conn_, statement.c_str(), p.count(), nullptr, p.values.data(),
                             p.lengths.data(), p.formats.data(), /*text results*/ 0),
                sql);
}

Result<PgResult> PgConnection::ExecPrepared(std::string_view sql,
                                            const std::vector<PgParam>& params) {
  std::string statement(sql);
  auto it = prepared_.find(statement);
  if (it == prepared_.end()) {
    std::string name = "btr_" + std::to_string(prepared_.size() + 1);
    Result<PgResult> prepared = Finish(
        PQprepare(conn_, name.c_str(), statement.c_str(), static_cast<int>(params.size()), nullptr),
        sql);
    if (!prepared.ok()) return prepared.status();
    it = prepared_.emplace(std::move(statement), std::move(name)).first;
  }
  const ParamArrays p(params);
  return Finish(PQexecPrepared(conn_, it->second.c_str(), p.count(), p.values.data(),
                               p.lengths.data(), p.formats.data(), /*text results*/ 0),
                sql);
}

Status PgConnection::ExecScript(std::string_view sql) {
  const std::string script(sql);
  pg_result* raw = PQexec(conn_, script.c_str());
  PgResult result(raw);
  const ExecStatusType status = raw ? PQresultStatus(raw) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) return ErrorOf(raw, sql);
  return Status::Ok();
}

// --- PgPool ---

PgPool::PgPool(std::string url, size_t max_connections, std::chrono::seconds connect_timeout)
    : url_(std::move(url)),
      max_connections_(std::max<size_t>(1, max_connections)),
      connect_timeout_(connect_timeout) {}

PgPool::~PgPool() = default;

PgPool::Lease::~Lease() {
  if (connection_) pool_->Release(std::move(connection_));
}

Result<PgPool::Lease> PgPool::Acquire() {
  std::unique_lock<std::mutex> lock(mu_);
  const bool got = available_.wait_for(
      lock, connect_timeout_, [this] { return !idle_.empty() || open_ < max_connections_; });
  if (!got) {
    return Status::Unavailable("postgres: all " + std::to_string(max_connections_) +
                               " pooled connections are busy");
  }
  while (!idle_.empty()) {
    PgConnectionPtr connection = std::move(idle_.back());
    idle_.pop_back();
    if (connection->LooksAlive()) return Lease(this, std::move(connection));
    --open_;  // closed by the server while idle: replaced below
  }
  ++open_;
  lock.unlock();
  Result<PgConnectionPtr> connection = PgConnection::Connect(url_, connect_timeout_);
  if (!connection.ok()) {
    std::lock_guard<std::mutex> relock(mu_);
    --open_;
    available_.notify_one();
    return connection.status();
  }
  return Lease(this, std::move(connection).value());
}

void PgPool::Release(PgConnectionPtr connection) {
  std::lock_guard<std::mutex> lock(mu_);
  if (connection->broken()) {
    --open_;
  } else {
    idle_.push_back(std::move(connection));
  }
  available_.notify_one();
}

Result<PgResult> PgPool::Exec(std::string_view sql, const std::vector<PgParam>& params) {
  Result<Lease> lease = Acquire();
  if (!lease.ok()) return lease.status();
  return (*lease)->Exec(sql, params);
}

Status PgPool::Transaction(const std::function<Status(PgConnection&)>& body) {
  Status last;
  for (int attempt = 0; attempt < 3; ++attempt) {
    Result<Lease> lease = Acquire();
    if (!lease.ok()) return lease.status();
    PgConnection& conn = **lease;
    if (Result<PgResult> begin = conn.Exec("BEGIN"); !begin.ok()) return begin.status();
    last = body(conn);
    if (last.ok()) {
      Result<PgResult> commit = conn.Exec("COMMIT");
      if (commit.ok()) return Status::Ok();
      last = commit.status();
    } else if (!conn.broken()) {
      (void)conn.Exec("ROLLBACK");  // best effort: a broken connection is dropped anyway
    }
    // Retry only what PostgreSQL asks to retry, on a live connection.
    const bool retryable = last.code() == StatusCode::kUnavailable && !conn.broken() &&
                           (last.message().find("40001") != std::string::npos ||
                            last.message().find("40P01") != std::string::npos);
    if (!retryable) return last;
  }
  return last;
}

}  // namespace btr
