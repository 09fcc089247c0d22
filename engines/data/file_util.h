// Small POSIX file helpers shared by the data module: read a whole file (mmap for regular files),
// write a file atomically, and errno text. Internal to engines/data; other modules should call the
// loaders instead.
//
// Errors name the path: "<path>: cannot open: No such file or directory". A missing file is
// kNotFound; any other failure to open or read is kInvalidArgument (the caller named a file that
// cannot be used). All functions are thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "engines/core/status.h"

namespace btr {

// The bytes of a whole file, either memory-mapped (regular files) or read into a buffer (pipes,
// /proc files, empty files). Move-only; the view stays valid until the object is destroyed or
// moved from. Not synchronized: share it const between threads.
class FileBytes {
 public:
  FileBytes() = default;
  ~FileBytes();
  FileBytes(FileBytes&& other) noexcept;
  FileBytes& operator=(FileBytes&& other) noexcept;
  FileBytes(const FileBytes&) = delete;
  FileBytes& operator=(const FileBytes&) = delete;

  // Reads or maps `path`. Errors: kNotFound when it does not exist, kInvalidArgument when it is a
  // directory or cannot be read.
  static Result<FileBytes> Read(const std::string& path);

  std::string_view view() const;
  size_t size() const { return view().size(); }

 private:
  void Reset();

  void* map_ = nullptr;  // owned mapping of map_size_ bytes, or nullptr
  size_t map_size_ = 0;
  std::string buffer_;  // used when map_ is nullptr
};

// Reads the whole file into a string (same errors as FileBytes::Read).
Result<std::string> ReadFileToString(const std::string& path);

// Who may read a file written here.
enum class FileMode {
  kShared,     // 0644 less the process umask: an ordinary file (generated data, LEAN inputs)
  kOwnerOnly,  // 0600 whatever the umask: the server's data (uploaded datasets, the bar cache)
};

// Writes `bytes` to "<path>.tmp.<pid>.<n>" in the same folder, then renames it over `path`, so
// readers see the old file or the whole new one, never a partial one. The temporary file is
// removed on failure. Errors: kInvalidArgument naming the path and the errno text.
Status WriteFileAtomic(const std::string& path, std::string_view bytes,
                       FileMode mode = FileMode::kShared);
// Same, writing `pieces` one after the other (no need to concatenate large buffers first).
Status WriteFileAtomic(const std::string& path, const std::vector<std::string_view>& pieces,
                       FileMode mode = FileMode::kShared);
// The same with the content produced by `write`, which gets the open temp file's descriptor and
// returns 0 or an errno value.
Status WriteFileAtomicWith(const std::string& path, const std::function<int(int fd)>& write,
                           FileMode mode = FileMode::kShared);

// Creates the folder `path`, when it does not exist, as one only its owner can enter (0700,
// whatever the umask; missing parents as ordinary folders): the server's data folder, its
// datasets and cache. An existing folder is left as it is (it may be one the user shares, such
// as a --cache-dir). Errors: kInvalidArgument naming the path.
Status CreateOwnerOnlyDirectory(const std::string& path);

// Writes `size` bytes to an open descriptor, retrying short writes and EINTR. Returns 0 on
// success or the errno value.
int WriteAll(int fd, const void* data, size_t size);
// Reads exactly `size` bytes; returns 0 on success, the errno value, or -1 at a premature end.
int ReadAll(int fd, void* data, size_t size);

// The text of an errno value ("No such file or directory").
std::string ErrnoText(int err);

// What stat() says about a path (following symlinks); exists == false when it cannot be stat'ed.
// mtime_ns is the modification time in nanoseconds since the epoch.
struct FileStamp {
  bool exists = false;
  bool is_directory = false;
  uint64_t size = 0;
  int64_t mtime_ns = 0;
};
FileStamp StatFile(const std::string& path);

}  // namespace btr
