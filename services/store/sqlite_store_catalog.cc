// SqliteStore: opening, datasets, API keys and maintenance (jobs are in sqlite_store.cc).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <system_error>

#include "engines/core/clock.h"
#include "services/store/sqlite_db.h"
#include "services/store/sqlite_schema.h"
#include "services/store/sqlite_store.h"
#include "services/store/store_common.h"

namespace btr {
namespace {

using sqlite::Connection;
using sqlite::Statement;
using sqlite::Transaction;
using Mode = sqlite::Transaction::Mode;
using store_common::CheckIds;

constexpr int kBusyTimeoutMs = 5000;

#define BTR_DATASET_COLUMNS \
  "id, tenant, name, sha256, path, bars, bytes, first_time, last_time, created_at"
#define BTR_API_KEY_COLUMNS "id, tenant, role, secret_hash, created_at, revoked_at"

DatasetRecord ReadDataset(const Statement& st) {
  DatasetRecord d;
  d.id = st.ColumnText(0);
  d.tenant = st.ColumnText(1);
  d.name = st.ColumnText(2);
  d.sha256 = st.ColumnText(3);
  d.path = st.ColumnText(4);
  d.bars = static_cast<uint64_t>(st.ColumnInt(5));
  d.bytes = static_cast<uint64_t>(st.ColumnInt(6));
  d.first_time = st.ColumnInt(7);
  d.last_time = st.ColumnInt(8);
  d.created_at = st.ColumnInt(9);
  return d;
}

// Binds every column of BTR_DATASET_COLUMNS, in order.
void BindDataset(Statement* st, const DatasetRecord& d) {
  st->Text(d.id)
      .Text(d.tenant)
      .Text(d.name)
      .Text(d.sha256)
      .Text(d.path)
      .Int(static_cast<int64_t>(d.bars))
      .Int(static_cast<int64_t>(d.bytes))
      .Int(d.first_time)
      .Int(d.last_time)
      .Int(d.created_at);
}

// The tenant's oldest dataset with a name and sha256 (bind tenant, name, sha256).
constexpr const char* kSelectDatasetByContent =
    "SELECT " BTR_DATASET_COLUMNS
    " FROM datasets WHERE tenant = ? AND name = ? AND sha256 = ? "
    "ORDER BY created_at, id LIMIT 1";

ApiKeyRecord ReadApiKey(const Statement& st) {
  ApiKeyRecord k;
  k.id = st.ColumnText(0);
  k.tenant = st.ColumnText(1);
  k.role = st.ColumnText(2) == RoleName(Role::kAdmin) ? Role::kAdmin : Role::kUser;
  k.secret_hash = st.ColumnText(3);
  k.created_at = st.ColumnInt(4);
  k.revoked_at = st.ColumnInt(5);
  return k;
}

// The database file and its WAL and shared-memory files, readable by their owner only (0600,
// whatever the umask): created so before SQLite opens it, tightened when an older start left
// them open. SQLite gives the -wal and -shm files it creates the database file's mode.
Status MakeDatabaseOwnerOnly(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Status::Internal("cannot create the database " + path + ": " + std::strerror(errno));
  }
  const int err = ::fchmod(fd, 0600) != 0 ? errno : 0;
  ::close(fd);
  if (err != 0) {
    return Status::Internal("cannot make the database " + path + " private: " + std::strerror(err));
  }
  for (const char* suffix : {"-wal", "-shm"}) {
    const std::string companion = path + suffix;
    if (::chmod(companion.c_str(), 0600) != 0 && errno != ENOENT) {
      return Status::Internal("cannot make " + companion + " private: " + std::strerror(errno));
    }
  }
  return Status::Ok();
}

// Runs a COUNT query that takes no parameters.
Result<size_t> Count(Connection* conn, std::string_view op, std::string_view sql) {
  BTR_SQLITE_ASSIGN_OR_RETURN(Statement st, conn->Prepare(op, sql));
  BTR_SQLITE_ASSIGN_OR_RETURN(const bool row, st.Step());
  return row ? static_cast<size_t>(st.ColumnInt(0)) : size_t{0};
}

}  // namespace

SqliteStore::SqliteStore(std::unique_ptr<sqlite::Connection> writer,
                         std::unique_ptr<sqlite::Connection> reader)
    : writer_(std::move(writer)), reader_(std::move(reader)) {}

SqliteStore::~SqliteStore() = default;

int SqliteStore::SchemaVersion() { return sqlite::StoreMigrations().back().version; }

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& path) {
  constexpr std::string_view kOp = "SqliteStore::Open";
  if (path.empty()) return Status::InvalidArgument("SqliteStore::Open: empty path");
  const bool memory = path == ":memory:";
  if (!memory) {
    const std::filesystem::path parent = std::filesystem::path(path).parent_path();
    std::error_code ec;
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    if (ec) {
      return Status::Internal("SqliteStore::Open: cannot create folder " + parent.string() + ": " +
                              ec.message());
    }
    BTR_RETURN_IF_ERROR(MakeDatabaseOwnerOnly(path).WithPrefix(kOp));
  }
  BTR_SQLITE_ASSIGN_OR_RETURN(std::unique_ptr<Connection> writer,
                              Connection::Open(path, /*create=*/true, kBusyTimeoutMs));
  BTR_SQLITE_ASSIGN_OR_RETURN(const std::string mode,
                              writer->QueryText(kOp, "PRAGMA journal_mode = WAL"));
  if (!memory && mode != "wal") {
    return Status::Internal("SqliteStore::Open: " + path + ": journal mode is '" + mode +
                            "', WAL could not be enabled");
  }
  BTR_RETURN_IF_ERROR(writer->Exec(kOp, "PRAGMA synchronous = FULL"));
  BTR_RETURN_IF_ERROR(sqlite::Migrate(writer.get(), sqlite::StoreMigrations(), SystemClock().Now())
                          .WithPrefix(std::string(kOp) + ": " + path));
  std::unique_ptr<Connection> reader;
  if (!memory) {
    BTR_SQLITE_ASSIGN_OR_RETURN(reader, Connection::Open(path, /*create=*/false, kBusyTimeoutMs));
    BTR_RETURN_IF_ERROR(reader->Exec(kOp, "PRAGMA query_only = ON"));
  }
  return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(writer), std::move(reader)));
}

// --- datasets ---

Status SqliteStore::PutDataset(const DatasetRecord& dataset) {
  constexpr std::string_view kOp = "PutDataset";
  BTR_RETURN_IF_ERROR(CheckIds(dataset.tenant, dataset.id));
  std::lock_guard lock(writer_->mu());
  Transaction txn(writer_.get(), kOp);
  BTR_RETURN_IF_ERROR(txn.Begin(Mode::kImmediate));
  {
    // Replaces the row only when it is the same tenant's; otherwise changes nothing.
    BTR_SQLITE_ASSIGN_OR_RETURN(
        Statement st,
        writer_->Prepare(kOp, "INSERT INTO datasets (" BTR_DATASET_COLUMNS
                              ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                              "ON CONFLICT (id) DO UPDATE SET name = excluded.name, "
                              "sha256 = excluded.sha256, path = excluded.path, "
                              "bars = excluded.bars, bytes = excluded.bytes, "
                              "first_time = excluded.first_time, last_time = excluded.last_time "
                              "WHERE datasets.tenant = excluded.tenant"));
    BindDataset(&st, dataset);
    BTR_RETURN_IF_ERROR(st.Run());
  }
  if (writer_->Changes() == 0) {
    return store_common::DatasetIdTaken(dataset.id, /*by_another_tenant=*/true);
  }
  return txn.Commit();
}

Result<DatasetRecord> SqliteStore::CreateDataset(const DatasetRecord& dataset) {
  constexpr std::string_view kOp = "CreateDataset";
  BTR_RETURN_IF_ERROR(CheckIds(dataset.tenant, dataset.id));
  std::lock_guard lock(writer_->mu());
  Transaction txn(writer_.get(), kOp);
  BTR_RETURN_IF_ERROR(txn.Begin(Mode::kImmediate));
  {
    // The same bytes under the same name: the dataset there is.
    BTR_SQLITE_ASSIGN_OR_RETURN(Statement st, writer_->Prepare(kOp, kSelectDatasetByContent));
    st.Text(dataset.tenant).Text(dataset.name).Text(dataset.sha256);
    BTR_SQLITE_ASSIGN_OR_RETURN(const bool found, st.Step());
    if (found) return ReadDataset(st);
  }
  {
    BTR_SQLITE_ASSIGN_OR_RETURN(Statement st,
                                writer_->Prepare(kOp, "INSERT INTO datasets (" BTR_DATASET_COLUMNS
                                                      ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    BindDataset(&st, dataset);
    Status inserted = st.Run();
    if (inserted.code() == StatusCode::kAlreadyExists) {
      return store_common::DatasetIdTaken(dataset.id, /*by_another_tenant=*/false);
    }
    BTR_RETURN_IF_ERROR(inserted);
  }
  BTR_RETURN_IF_ERROR(txn.Commit());
  return dataset;
}

Result<DatasetRecord> SqliteStore::FindDataset(std::string_view tenant, std::string_view name,
                                               std::string_view sha256) {
  constexpr std::string_view kOp = "FindDataset";
  BTR_RETURN_IF_ERROR(store_common::RequireTenant(tenant));
  std::lock_guard lock(reader()->mu());
  BTR_SQLITE_ASSIGN_OR_RETURN(Statement st, reader()->Prepare(kOp, kSelectDatasetByContent));
  st.Text(tenant).Text(name).Text(sha256);
  BTR_SQLITE_ASSIGN_OR_RETURN(const bool row, st.Step());
  if (!row) return store_common::DatasetContentNotFound(name);
  return ReadDataset(st);
}

Result<DatasetRecord> SqliteStore::DeleteDataset(std::string_view tenant, std::string_view id) {
  constexpr std::string_view kOp = "DeleteDataset";
  BTR_RETURN_IF_ERROR(CheckIds(tenant, id));
  std::lock_guard lock(writer_->mu());
  Transaction txn(writer_.get(), kOp);
  BTR_RETURN_IF_ERROR(txn.Begin(Mode::kImmediate));
  DatasetRecord dataset;
  {
    BTR_SQLITE_ASSIGN_OR_RETURN(
        Statement st, writer_->Prepare(kOp, "SELECT " BTR_DATASET_COLUMNS
                                            " FROM datasets WHERE id = ? AND tenant = ?"));
    st.Text(id).Text(tenant);
    BTR_SQLITE_ASSIGN_OR_RETURN(const bool row, st.Step());
    if (!row) return store_common::DatasetNotFound(id);
    dataset = ReadDataset(st);
  }
  {
    // In the same transaction as the delete: no job can start using it in between.
    BTR_SQLITE_ASSIGN_OR_RETURN(
        Statement st,
        writer_->Prepare(kOp,
                         "SELECT id, status FROM jobs WHERE tenant = ? AND status IN "
                         "('queued', 'running') AND json_extract(spec_json, '$.dataset') = ? "
                         "ORDER BY created_at, id LIMIT 1"));
    st.Text(tenant).Text(id);
    BTR_SQLITE_ASSIGN_OR_RETURN(const bool used, st.Step());
    if (used) {
      return store_common::DatasetInUse(id, st.ColumnText(0), st.ColumnText(1));
    }
  }
  {
    BTR_SQLITE_ASSIGN_OR_RETURN(Statement st,
                                writer_->Prepare(kOp, "DELETE FROM datasets WHERE id = ?"));
    st.Text(id);
    BTR_RETURN_IF_ERROR(st.Run());
  }
  BTR_RETURN_IF_ERROR(txn.Commit());
  return dataset;
}

Result<DatasetRecord> SqliteStore::GetDataset(std::string_view tenant, std::string_view id) {
  constexpr std::string_view kOp = "GetDataset";
  BTR_RETURN_IF_ERROR(CheckIds(tenant, id));
  std::lock_guard lock(reader()->mu());
  BTR_SQLITE_ASSIGN_OR_RETURN(Statement st,
                              reader()->Prepare(kOp, "SELECT " BTR_DATASET_COLUMNS
                                                     " FROM datasets WHERE id = ? AND tenant = ?"));
  st.Text(id).Text(tenant);
  BTR_SQLITE_ASSIGN_OR_RETURN(const bool row, st.Step());
  if (!row) return store_common::DatasetNotFound(id);
  return ReadDataset(st);
}

Result<std::vector<DatasetRecord>> SqliteStore::ListDatasets(std::string_view tenant) {
  constexpr std::string_view kOp = "ListDatasets";
  BTR_RETURN_IF_ERROR(store_common::RequireTenant(tenant));
  std::lock_guard lock(reader()->mu());
  BTR_SQLITE_ASSIGN_OR_RETURN(
      Statement st,
      reader()->Prepare(kOp, "SELECT " BTR_DATASET_COLUMNS
                             " FROM datasets WHERE tenant = ? ORDER BY created_at DESC, id DESC"));
  st.Text(tenant);
  std::vector<DatasetRecord> out;
  for (;;) {
    BTR_SQLITE_ASSIGN_OR_RETURN(const bool row, st.Step());
    if (!row) return out;
    out.push_back(ReadDataset(st));
  }
}

// --- API keys ---

Status SqliteStore::PutApiKey(const ApiKeyRecord& key) {
  constexpr std::string_view kOp = "PutApiKey";
  BTR_RETURN_IF_ERROR(CheckIds(key.tenant, key.id));
  std::lock_guard lock(writer_->mu());
  Transaction txn(writer_.get(), kOp);
  BTR_RETURN_IF_ERROR(txn.Begin(Mode::kImmediate));
  {
    BTR_SQLITE_ASSIGN_OR_RETURN(Statement st,
                                writer_->Prepare(kOp, "INSERT INTO api_keys (" BTR_API_KEY_COLUMNS
                                                      ") VALUES (?, ?, ?, ?, ?, ?)"));
    st.Text(key.id)
        .Text(key.tenant)
        .Text(RoleName(key.role))
        .Text(key.secret_hash)
        .Int(key.created_at)
        .Int(key.revoked_at);
    Status status = st.Run();
    if (status.code() == StatusCode::kAlreadyExists) {
      return store_common::ApiKeyExists(key.id);
    }
    BTR_RETURN_IF_ERROR(status);
  }
  return txn.Commit();
}

Result<ApiKeyRecord> SqliteStore::GetApiKey(std::string_view id) {
  constexpr std::string_view kOp = "GetApiKey";
  BTR_RETURN_IF_ERROR(store_common::RequireId(id));
  std::lock_guard lock(reader()->mu());
  BTR_SQLITE_ASSIGN_OR_RETURN(Statement st, reader()->Prepare(kOp, "SELECT " BTR_API_KEY_COLUMNS
                                                                   " FROM api_keys WHERE id = ?"));
  st.Text(id);
  BTR_SQLITE_ASSIGN_OR_RETURN(const bool row, st.Step());
  if (!row) return store_common::ApiKeyNotFound(id);
  return ReadApiKey(st);
}

Result<std::vector<ApiKeyRecord>> SqliteStore::ListApiKeys() {
  constexpr std::string_view kOp = "ListApiKeys";
  std::lock_guard lock(reader()->mu());
  BTR_SQLITE_ASSIGN_OR_RETURN(Statement st,
                              reader()->Prepare(kOp, "SELECT " BTR_API_KEY_COLUMNS
                                                     " FROM api_keys ORDER BY created_at, id"));
  std::vector<ApiKeyRecord> out;
  for (;;) {
    BTR_SQLITE_ASSIGN_OR_RETURN(const bool row, st.Step());
    if (!row) return out;
    out.push_back(ReadApiKey(st));
  }
}

Status SqliteStore::RevokeApiKey(std::string_view id, TimeNs now) {
  constexpr std::string_view kOp = "RevokeApiKey";
  BTR_RETURN_IF_ERROR(store_common::RequireId(id));
  std::lock_guard lock(writer_->mu());
  Transaction txn(writer_.get(), kOp);
  BTR_RETURN_IF_ERROR(txn.Begin(Mode::kImmediate));
  {
    BTR_SQLITE_ASSIGN_OR_RETURN(
        Statement st,
        writer_->Prepare(kOp,
                         "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at = 0"));
    st.Int(now).Text(id);
    BTR_RETURN_IF_ERROR(st.Run());
  }
  if (writer_->Changes() == 0) {
    BTR_SQLITE_ASSIGN_OR_RETURN(Statement st,
                                writer_->Prepare(kOp, "SELECT 1 FROM api_keys WHERE id = ?"));
    st.Text(id);
    BTR_SQLITE_ASSIGN_OR_RETURN(const bool exists, st.Step());
    if (!exists) return store_common::ApiKeyNotFound(id);
  }
  return txn.Commit();
}

Result<size_t> SqliteStore::CountApiKeys() {
  std::lock_guard lock(reader()->mu());
  return Count(reader(), "CountApiKeys", "SELECT COUNT(*) FROM api_keys");
}

// --- maintenance ---

Status SqliteStore::CheckIntegrity() {
  constexpr std::string_view kOp = "CheckIntegrity";
  std::lock_guard lock(writer_->mu());
  BTR_SQLITE_ASSIGN_OR_RETURN(Statement st, writer_->Prepare(kOp, "PRAGMA integrity_check"));
  std::string report;
  for (;;) {
    BTR_SQLITE_ASSIGN_OR_RETURN(const bool row, st.Step());
    if (!row) break;
    if (!report.empty()) report += "; ";
    report += st.ColumnText(0);
  }
  if (report == "ok") return Status::Ok();
  return Status::Internal("CheckIntegrity: " + report);
}

#undef BTR_API_KEY_COLUMNS
#undef BTR_DATASET_COLUMNS

}  // namespace btr
