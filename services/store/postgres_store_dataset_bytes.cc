// PostgresStore: a dataset's bytes in the database (tables dataset_contents and
// dataset_chunks), so that workers on other machines need no shared disk: stored from the
// uploaded file a chunk at a time, and fetched into a local cache file on first use.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <string>

#include "engines/data/file_util.h"
#include "engines/data/sha256.h"
#include "services/pg/pg_client.h"
#include "services/store/postgres_store.h"
#include "services/store/postgres_store_internal.h"

namespace btr {
namespace {

using pg_store::Failure;
using pg_store::Quote;
using pg_store::StoredText;

constexpr size_t kChunkBytes = size_t{4} << 20;  // 4 MiB a row

// A sha256 as the store names files by: 64 lower-case hex digits (nothing that could leave
// the cache folder).
bool IsSha256Hex(std::string_view text) {
  if (text.size() != 64) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

Status NoValidSha256(const DatasetRecord& dataset) {
  return Status::InvalidArgument("dataset " + Quote(dataset.id) + " has no valid sha256 (" +
                                 Quote(dataset.sha256) + ")");
}

// Reads up to `size` bytes (fewer only at the end of the file). errno value on failure.
int ReadUpTo(int fd, std::string* buffer, size_t size) {
  buffer->resize(size);
  size_t filled = 0;
  while (filled < size) {
    const ssize_t n = ::read(fd, buffer->data() + filled, size - filled);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    if (n == 0) break;
    filled += static_cast<size_t>(n);
  }
  buffer->resize(filled);
  return 0;
}

// Closes a descriptor when it goes out of scope.
struct FdCloser {
  int fd;
  ~FdCloser() {
    if (fd >= 0) ::close(fd);
  }
};

// Stores the bytes of the open file `fd` under the dataset's sha256 in the transaction of
// `conn`: the content row, then a row per chunk. When the file cannot be read, or its bytes hash
// to something else, sets *own_error and returns it (the transaction rolls back: nothing is
// stored). Database failures are the client's.
Status StoreChunks(PgConnection& conn, const DatasetRecord& dataset, int fd, Status* own_error) {
  Result<PgResult> content = conn.ExecPrepared(
      "INSERT INTO dataset_contents (sha256, bytes, chunks, created_at) VALUES ($1, 0, 0, $2)",
      {StoredText(dataset.sha256), PgInt(dataset.created_at)});
  if (!content.ok()) return content.status();
  Sha256 hash;
  std::string buffer;
  int64_t total = 0, chunks = 0;
  for (;;) {
    if (const int err = ReadUpTo(fd, &buffer, kChunkBytes); err != 0) {
      *own_error = Status::InvalidArgument("dataset " + Quote(dataset.id) +
                                           ": cannot read its file: " + ErrnoText(err));
      return *own_error;
    }
    if (buffer.empty()) break;
    hash.Update(buffer);
    total += static_cast<int64_t>(buffer.size());
    Result<PgResult> chunk = conn.ExecPrepared(
        "INSERT INTO dataset_chunks (sha256, chunk, bytes) VALUES ($1, $2, $3::bytea)",
        {StoredText(dataset.sha256), PgInt(chunks), PgBytes(std::move(buffer))});
    if (!chunk.ok()) return chunk.status();
    buffer = std::string();
    ++chunks;
  }
  if (const std::string digest = hash.FinishHex(); digest != dataset.sha256) {
    *own_error = Status::InvalidArgument("dataset " + Quote(dataset.id) + ": its file hashes to " +
                                         digest + ", not to the record's " + dataset.sha256);
    return *own_error;
  }
  return conn
      .ExecPrepared("UPDATE dataset_contents SET bytes = $2, chunks = $3 WHERE sha256 = $1",
                    {StoredText(dataset.sha256), PgInt(total), PgInt(chunks)})
      .status();
}

// A read-only transaction on one snapshot (REPEATABLE READ), rolled back unless committed.
class SnapshotTransaction {
 public:
  explicit SnapshotTransaction(PgConnection& conn) : conn_(conn) {}
  ~SnapshotTransaction() {
    if (open_ && !conn_.broken()) (void)conn_.Exec("ROLLBACK");
  }
  Status Begin() {
    BTR_RETURN_IF_ERROR(conn_.Exec("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY").status());
    open_ = true;
    return Status::Ok();
  }
  Status Commit() {
    open_ = false;
    return conn_.Exec("COMMIT").status();
  }

 private:
  PgConnection& conn_;
  bool open_ = false;
};

// Writes the stored bytes of `dataset` to the open file `fd` from one snapshot, checking their
// hash. Database failures are the client's; a missing or damaged copy is NotFound or Internal.
Status FetchChunks(PgConnection& conn, const DatasetRecord& dataset, int fd) {
  Result<PgResult> content = conn.ExecPrepared(
      "SELECT chunks FROM dataset_contents WHERE sha256 = $1", {StoredText(dataset.sha256)});
  if (!content.ok()) return content.status();
  if (content->rows() == 0) {
    return Status::NotFound("dataset " + Quote(dataset.id) +
                            " has no bytes in the database; upload it again");
  }
  const int64_t chunks = content->GetInt(0, 0);
  Sha256 hash;
  for (int64_t i = 0; i < chunks; ++i) {
    Result<PgResult> chunk =
        conn.ExecPrepared("SELECT bytes FROM dataset_chunks WHERE sha256 = $1 AND chunk = $2",
                          {StoredText(dataset.sha256), PgInt(i)});
    if (!chunk.ok()) return chunk.status();
    if (chunk->rows() == 0) {
      return Status::Internal("dataset " + Quote(dataset.id) + ": chunk " + std::to_string(i) +
                              " of its bytes is missing");
    }
    const std::string bytes = chunk->GetBytes(0, 0);
    hash.Update(bytes);
    if (const int err = WriteAll(fd, bytes.data(), bytes.size()); err != 0) {
      return Status::Internal("dataset " + Quote(dataset.id) +
                              ": cannot write its cache file: " + ErrnoText(err));
    }
  }
  if (const std::string digest = hash.FinishHex(); digest != dataset.sha256) {
    return Status::Internal("dataset " + Quote(dataset.id) + ": the stored bytes hash to " +
                            digest + ", not to " + dataset.sha256);
  }
  if (::fsync(fd) != 0) {
    return Status::Internal("dataset " + Quote(dataset.id) +
                            ": cannot sync its cache file: " + ErrnoText(errno));
  }
  return Status::Ok();
}

}  // namespace

Status PostgresStore::PutDatasetBytes(const DatasetRecord& dataset, const std::string& file_path) {
  constexpr std::string_view kOp = "PutDatasetBytes";
  if (!IsSha256Hex(dataset.sha256)) return NoValidSha256(dataset);
  Status own_error;  // a failure of the file, not of the database
  Status stored = pool_->Transaction([&](PgConnection& conn) -> Status {
    own_error = Status::Ok();
    BTR_RETURN_IF_ERROR(pg_store::LockDatasetBytes(conn, dataset.sha256));
    Result<PgResult> there = conn.ExecPrepared("SELECT 1 FROM dataset_contents WHERE sha256 = $1",
                                               {StoredText(dataset.sha256)});
    if (!there.ok()) return there.status();
    if (there->rows() == 1) return Status::Ok();  // identical bytes are stored already
    FdCloser file{::open(file_path.c_str(), O_RDONLY | O_CLOEXEC)};
    if (file.fd < 0) {
      const int err = errno;
      own_error = Status(err == ENOENT ? StatusCode::kNotFound : StatusCode::kInvalidArgument,
                         "dataset " + Quote(dataset.id) + ": cannot open its file " + file_path +
                             ": " + ErrnoText(err));
      return own_error;
    }
    return StoreChunks(conn, dataset, file.fd, &own_error);
  });
  if (!own_error.ok()) return own_error;
  return Failure(kOp, stored);
}

Result<std::string> PostgresStore::LocalPath(const DatasetRecord& dataset,
                                             const std::string& cache_dir) {
  constexpr std::string_view kOp = "LocalPath";
  if (cache_dir.empty()) {
    return Status::InvalidArgument("no cache folder to keep the bytes of dataset " +
                                   Quote(dataset.id) + " in");
  }
  if (!IsSha256Hex(dataset.sha256)) return NoValidSha256(dataset);
  const std::string folder = cache_dir + "/datasets";
  // The record's extension says how the bytes are read back (LoadBars): ".csv" or ".zip".
  const std::string extension =
      std::filesystem::path(dataset.path).extension() == ".zip" ? ".zip" : ".csv";
  const std::string path = folder + "/" + dataset.sha256 + extension;
  const FileStamp there = StatFile(path);
  if (there.exists && !there.is_directory && there.size == dataset.bytes) return path;

  if (Status made = CreateOwnerOnlyDirectory(folder); !made.ok()) {
    return Status::Internal(made.message());
  }
  Result<PgPool::Lease> lease = pool_->Acquire();
  if (!lease.ok()) return Failure(kOp, lease.status());
  SnapshotTransaction snapshot(**lease);
  if (Status begun = snapshot.Begin(); !begun.ok()) return Failure(kOp, begun);
  // Written beside the final name and renamed over it: processes fetching the same bytes at
  // once each write their own temporary file, and the last rename wins with identical bytes.
  Status fetched;
  Status written = WriteFileAtomicWith(
      path,
      [&](int fd) {
        fetched = FetchChunks(**lease, dataset, fd);
        return fetched.ok() ? 0 : EIO;
      },
      FileMode::kOwnerOnly);
  if (!fetched.ok()) {
    const StatusCode code = fetched.code();
    return code == StatusCode::kUnavailable || code == StatusCode::kInternal ? Failure(kOp, fetched)
                                                                             : fetched;
  }
  if (!written.ok()) return Status::Internal(written.message());
  if (Status committed = snapshot.Commit(); !committed.ok()) return Failure(kOp, committed);
  return path;
}

}  // namespace btr
