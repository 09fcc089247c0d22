#include "engines/data/file_util.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <functional>
#include <system_error>
#include <utility>

namespace btr {
namespace {

Status OpenError(const std::string& path, int err) {
  std::string message = path + ": cannot open: " + ErrnoText(err);
  if (err == ENOENT || err == ENOTDIR) return Status::NotFound(std::move(message));
  return Status::InvalidArgument(std::move(message));
}

// Closes a descriptor when it goes out of scope.
class FdCloser {
 public:
  explicit FdCloser(int fd) : fd_(fd) {}
  ~FdCloser() {
    if (fd_ >= 0) ::close(fd_);
  }
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;

 private:
  int fd_;
};

}  // namespace

std::string ErrnoText(int err) {
  char buf[256];
  // GNU strerror_r returns a pointer to the message, which may or may not be `buf`.
  const char* text = strerror_r(err, buf, sizeof buf);
  return text;
}

int WriteAll(int fd, const void* data, size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, p, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    p += n;
    size -= static_cast<size_t>(n);
  }
  return 0;
}

int ReadAll(int fd, void* data, size_t size) {
  char* p = static_cast<char*>(data);
  while (size > 0) {
    const ssize_t n = ::read(fd, p, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (n == 0) return -1;
    p += n;
    size -= static_cast<size_t>(n);
  }
  return 0;
}

FileBytes::~FileBytes() { Reset(); }

FileBytes::FileBytes(FileBytes&& other) noexcept
    : map_(std::exchange(other.map_, nullptr)),
      map_size_(std::exchange(other.map_size_, 0)),
      buffer_(std::move(other.buffer_)) {}

FileBytes& FileBytes::operator=(FileBytes&& other) noexcept {
  if (this != &other) {
    Reset();
    map_ = std::exchange(other.map_, nullptr);
    map_size_ = std::exchange(other.map_size_, 0);
    buffer_ = std::move(other.buffer_);
  }
  return *this;
}

void FileBytes::Reset() {
  if (map_ != nullptr) ::munmap(map_, map_size_);
  map_ = nullptr;
  map_size_ = 0;
  buffer_.clear();
}

std::string_view FileBytes::view() const {
  if (map_ != nullptr) return {static_cast<const char*>(map_), map_size_};
  return buffer_;
}

Result<FileBytes> FileBytes::Read(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return OpenError(path, errno);
  FdCloser closer(fd);
  struct stat st;
  if (::fstat(fd, &st) != 0) return OpenError(path, errno);
  if (S_ISDIR(st.st_mode)) return OpenError(path, EISDIR);

  FileBytes out;
  if (S_ISREG(st.st_mode) && st.st_size > 0) {
    const size_t size = static_cast<size_t>(st.st_size);
    void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    if (map != MAP_FAILED) {
      ::madvise(map, size, MADV_SEQUENTIAL);
      out.map_ = map;
      out.map_size_ = size;
      return out;
    }
  }
  // Not mappable (pipe, /proc file, empty file): read until end of file.
  char chunk[1 << 16];
  while (true) {
    const ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::InvalidArgument(path + ": cannot read: " + ErrnoText(errno));
    }
    if (n == 0) break;
    out.buffer_.append(chunk, static_cast<size_t>(n));
  }
  return out;
}

Result<std::string> ReadFileToString(const std::string& path) {
  Result<FileBytes> bytes = FileBytes::Read(path);
  if (!bytes.ok()) return bytes.status();
  return std::string(bytes->view());
}

Status WriteFileAtomic(const std::string& path, std::string_view bytes, FileMode mode) {
  return WriteFileAtomic(path, std::vector<std::string_view>{bytes}, mode);
}

Status WriteFileAtomic(const std::string& path, const std::vector<std::string_view>& pieces,
                       FileMode mode) {
  return WriteFileAtomicWith(
      path,
      [&pieces](int fd) {
        for (std::string_view piece : pieces) {
          if (const int err = WriteAll(fd, piece.data(), piece.size()); err != 0) return err;
        }
        return 0;
      },
      mode);
}

Status WriteFileAtomicWith(const std::string& path, const std::function<int(int fd)>& write,
                           FileMode mode) {
  static std::atomic<uint64_t> counter{0};
  const std::string tmp =
      path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter.fetch_add(1));
  const bool owner_only = mode == FileMode::kOwnerOnly;
  const int fd =
      ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, owner_only ? 0600 : 0644);
  if (fd < 0) return Status::InvalidArgument(path + ": cannot write: " + ErrnoText(errno));
  // The umask may only take bits away; an owner-only file gets exactly 0600 even under umask 0.
  int err = owner_only && ::fchmod(fd, 0600) != 0 ? errno : 0;
  if (err == 0) err = write(fd);
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err == 0 && ::rename(tmp.c_str(), path.c_str()) != 0) err = errno;
  if (err != 0) {
    ::unlink(tmp.c_str());
    return Status::InvalidArgument(path + ": cannot write: " + ErrnoText(err));
  }
  return Status::Ok();
}

Status CreateOwnerOnlyDirectory(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return Status::Ok();
  std::filesystem::create_directories(path, ec);
  if (ec) return Status::InvalidArgument(path + ": cannot create the folder: " + ec.message());
  if (::chmod(path.c_str(), 0700) != 0) {
    return Status::InvalidArgument(path + ": cannot make the folder private: " + ErrnoText(errno));
  }
  return Status::Ok();
}

FileStamp StatFile(const std::string& path) {
  FileStamp stamp;
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return stamp;
  stamp.exists = true;
  stamp.is_directory = S_ISDIR(st.st_mode);
  stamp.size = static_cast<uint64_t>(st.st_size);
  stamp.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  return stamp;
}

}  // namespace btr
