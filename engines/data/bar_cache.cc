#include "engines/data/bar_cache.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <system_error>
#include <vector>

#include "engines/data/csv_loader.h"
#include "engines/data/file_util.h"
#include "engines/data/lean_loader.h"
#include "engines/data/sha256.h"

namespace btr {
namespace {

// Cache file layout (host byte order; every section a multiple of 8 bytes):
//   [0]   magic "BTRBARS\0"
//   [8]   u32 format version      [12] u32 byte-order mark 0x01020304
//   [16]  u64 rows                [24] u32 has_volume
//   [28]  u32 identity length     [32] u32 symbol length     [36] u32 zero
//   [40]  64 bytes: sha256 hex of the source
//   [104] identity, symbol, zero padding to a multiple of 8
//   then the columns time, open, high, low, close, volume (rows * 8 bytes each)
//   then u64 checksum of everything before it.
// Bump kFormatVersion whenever this layout or the parsing rules change.
constexpr char kMagic[8] = {'B', 'T', 'R', 'B', 'A', 'R', 'S', '\0'};
constexpr uint32_t kFormatVersion = 2;  // 2: Fletcher-style checksum
constexpr uint32_t kByteOrderMark = 0x01020304;
constexpr size_t kFixedHeader = 104;
constexpr uint32_t kMaxIdentity = 1 << 20;
constexpr uint32_t kMaxSymbol = 1 << 12;

// kLeanZip: any other zip, read by its content (LoadLeanZip: daily, or one minute day).
enum class SourceKind { kCsv, kLeanZip, kLeanMinuteZip, kLeanMinuteDir };

struct Source {
  SourceKind kind = SourceKind::kCsv;
  std::vector<std::string> files;  // the files whose bytes make up the dataset
  std::string identity;            // absolute path + size and mtime of every file
};

// A fast 64-bit checksum over 8-byte words: four interleaved Fletcher-style lanes (a sum and a
// sum of sums, so flipped, changed or reordered words show). Detects corruption, not tampering;
// about a cycle per word, so checking a cache costs little next to reading it.
class Checksum {
 public:
  void Update(const void* data, size_t bytes) {
    const char* p = static_cast<const char*>(data);
    const size_t words = bytes / 8;
    size_t i = 0;
    for (; i + 4 <= words; i += 4) {
      for (size_t k = 0; k < 4; ++k) {
        uint64_t w;
        std::memcpy(&w, p + 8 * (i + k), 8);
        sum_[k] += w;
        sum_of_sums_[k] += sum_[k];
      }
    }
    for (; i < words; ++i) {
      uint64_t w;
      std::memcpy(&w, p + 8 * i, 8);
      sum_[0] += w;
      sum_of_sums_[0] += sum_[0];
    }
    sum_[1] += bytes;
  }
  uint64_t Finish() const {
    uint64_t h = 0x9E3779B97F4A7C15ull;
    for (size_t k = 0; k < 4; ++k) h = Mix(h ^ sum_[k]) ^ sum_of_sums_[k];
    return Mix(h);
  }

 private:
  static uint64_t Mix(uint64_t h) {
    h ^= h >> 33;
    h *= 0xFF51AFD7ED558CCDull;
    return h ^ (h >> 33);
  }
  uint64_t sum_[4] = {1, 2, 3, 4};
  uint64_t sum_of_sums_[4] = {0, 0, 0, 0};
};

std::string LowerExtension(const std::filesystem::path& p) {
  std::string ext = p.extension().string();
  for (char& c : ext) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return ext;
}

std::string AbsolutePath(const std::string& path) {
  std::error_code ec;
  std::filesystem::path abs = std::filesystem::weakly_canonical(path, ec);
  if (ec) abs = std::filesystem::absolute(path, ec).lexically_normal();
  if (ec) return path;
  return abs.string();
}

Result<Source> DescribeSource(const std::string& path) {
  const FileStamp stamp = StatFile(path);
  if (!stamp.exists) {
    return Status::NotFound(path + ": cannot open: " + ErrnoText(ENOENT));
  }
  Source src;
  if (stamp.is_directory) {
    src.kind = SourceKind::kLeanMinuteDir;
    Result<std::vector<std::string>> zips = ListLeanMinuteZips(path);
    if (!zips.ok()) return zips.status();
    src.files = std::move(zips).value();
  } else {
    const std::filesystem::path p(path);
    const std::string ext = LowerExtension(p);
    if (ext == ".csv") {
      src.kind = SourceKind::kCsv;
    } else if (ext == ".zip") {
      src.kind = IsLeanMinuteTradeZipName(p.filename().string()) ? SourceKind::kLeanMinuteZip
                                                                 : SourceKind::kLeanZip;
    } else {
      return Status::InvalidArgument(path +
                                     ": unsupported data source: expected a .csv file, a LEAN "
                                     ".zip file or a LEAN minute folder");
    }
    src.files.push_back(path);
  }
  src.identity =
      "kind=" + std::to_string(static_cast<int>(src.kind)) + "\npath=" + AbsolutePath(path) + "\n";
  for (const std::string& f : src.files) {
    const FileStamp s = StatFile(f);
    src.identity += std::filesystem::path(f).filename().string() +
                    " size=" + std::to_string(s.size) + " mtime_ns=" + std::to_string(s.mtime_ns) +
                    "\n";
  }
  return src;
}

// Parses the source (no cache) and computes its digest.
Result<LoadedBars> LoadFromSource(const std::string& path, const Source& src) {
  LoadedBars out;
  if (src.kind == SourceKind::kCsv) {
    Result<FileBytes> bytes = FileBytes::Read(path);
    if (!bytes.ok()) return bytes.status();
    out.sha256 = Sha256Hex(bytes->view());
    Result<BarSeries> bars = ParseCsv(bytes->view(), path);
    if (!bars.ok()) return bars.status();
    out.bars = std::move(bars).value();
    out.bars.symbol = std::filesystem::path(path).stem().string();
    return out;
  }
  Sha256 hasher;
  for (const std::string& f : src.files) {
    Result<FileBytes> bytes = FileBytes::Read(f);
    if (!bytes.ok()) return bytes.status();
    hasher.Update(bytes->view());
  }
  out.sha256 = hasher.FinishHex();
  Result<BarSeries> bars = src.kind == SourceKind::kLeanZip         ? LoadLeanZip(path)
                           : src.kind == SourceKind::kLeanMinuteZip ? LoadLeanMinuteZip(path)
                                                                    : LoadLeanMinuteDir(path);
  if (!bars.ok()) return bars.status();
  out.bars = std::move(bars).value();
  return out;
}

template <typename T>
std::string_view Bytes(const Column<T>& v) {
  return {reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T)};
}

template <typename T>
void Put(std::string* out, size_t pos, T value) {
  std::memcpy(out->data() + pos, &value, sizeof value);
}
template <typename T>
T Get(const char* p) {
  T value;
  std::memcpy(&value, p, sizeof value);
  return value;
}

// Best effort: a failure leaves no cache file behind and is not reported.
void WriteCache(const std::string& file, const Source& src, const LoadedBars& loaded) {
  const BarSeries& b = loaded.bars;
  if (src.identity.size() > kMaxIdentity || b.symbol.size() > kMaxSymbol ||
      loaded.sha256.size() != 64) {
    return;
  }
  std::string header(kFixedHeader, '\0');
  std::memcpy(header.data(), kMagic, 8);
  Put<uint32_t>(&header, 8, kFormatVersion);
  Put<uint32_t>(&header, 12, kByteOrderMark);
  Put<uint64_t>(&header, 16, b.size());
  Put<uint32_t>(&header, 24, b.has_volume ? 1 : 0);
  Put<uint32_t>(&header, 28, static_cast<uint32_t>(src.identity.size()));
  Put<uint32_t>(&header, 32, static_cast<uint32_t>(b.symbol.size()));
  std::memcpy(header.data() + 40, loaded.sha256.data(), 64);
  header += src.identity;
  header += b.symbol;
  header.resize((header.size() + 7) / 8 * 8, '\0');

  Checksum sum;
  std::vector<std::string_view> pieces = {header,         Bytes(b.time), Bytes(b.open),
                                          Bytes(b.high),  Bytes(b.low),  Bytes(b.close),
                                          Bytes(b.volume)};
  for (std::string_view piece : pieces) sum.Update(piece.data(), piece.size());
  const uint64_t checksum = sum.Finish();
  pieces.emplace_back(reinterpret_cast<const char*>(&checksum), sizeof checksum);

  // The cache holds copies of the data: files only the owner can read, in a folder only the
  // owner can enter when the cache creates it.
  if (!CreateOwnerOnlyDirectory(std::filesystem::path(file).parent_path().string()).ok()) return;
  (void)WriteFileAtomic(file, pieces, FileMode::kOwnerOnly);
}

// Returns the cached bars, or nullopt when the cache file is missing, stale or damaged.
std::optional<LoadedBars> ReadCache(const std::string& file, const Source& src) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  const uint64_t file_size = static_cast<uint64_t>(st.st_size);

  char fixed[kFixedHeader];
  if (file_size < kFixedHeader || ReadAll(fd, fixed, kFixedHeader) != 0) return std::nullopt;
  if (std::memcmp(fixed, kMagic, 8) != 0 || Get<uint32_t>(fixed + 8) != kFormatVersion ||
      Get<uint32_t>(fixed + 12) != kByteOrderMark) {
    return std::nullopt;
  }
  const uint64_t rows = Get<uint64_t>(fixed + 16);
  const uint32_t has_volume = Get<uint32_t>(fixed + 24);
  const uint32_t identity_len = Get<uint32_t>(fixed + 28);
  const uint32_t symbol_len = Get<uint32_t>(fixed + 32);
  if (has_volume > 1 || identity_len != src.identity.size() || symbol_len > kMaxSymbol) {
    return std::nullopt;
  }
  const uint64_t header_size = (kFixedHeader + identity_len + symbol_len + 7) / 8 * 8;
  if (rows > file_size / 48 || file_size != header_size + rows * 48 + 8) return std::nullopt;

  std::string header(fixed, kFixedHeader);
  header.resize(header_size);
  if (ReadAll(fd, header.data() + kFixedHeader, header_size - kFixedHeader) != 0 ||
      header.compare(kFixedHeader, identity_len, src.identity) != 0) {
    return std::nullopt;
  }
  LoadedBars out;
  out.from_cache = true;
  out.sha256.assign(fixed + 40, 64);
  BarSeries& b = out.bars;
  b.symbol = header.substr(kFixedHeader + identity_len, symbol_len);
  b.has_volume = has_volume == 1;
  Checksum sum;
  sum.Update(header.data(), header.size());
  const size_t n = static_cast<size_t>(rows);
  b.time.resize(n);
  if (ReadAll(fd, b.time.data(), n * 8) != 0) return std::nullopt;
  sum.Update(b.time.data(), n * 8);
  for (Column<double>* column : {&b.open, &b.high, &b.low, &b.close, &b.volume}) {
    column->resize(n);
    if (ReadAll(fd, column->data(), n * 8) != 0) return std::nullopt;
    sum.Update(column->data(), n * 8);
  }
  uint64_t stored = 0;
  if (ReadAll(fd, &stored, sizeof stored) != 0 || stored != sum.Finish()) return std::nullopt;
  return out;
}

}  // namespace

std::string CacheFilePath(const std::string& cache_dir, const std::string& path) {
  return (std::filesystem::path(cache_dir) /
          (Sha256Hex(AbsolutePath(path)).substr(0, 32) + ".bars"))
      .string();
}

std::string DefaultCacheDir() {
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  if (xdg != nullptr && xdg[0] == '/') return std::string(xdg) + "/btrouter";
  const char* home = std::getenv("HOME");
  if (home != nullptr && home[0] != '\0') return std::string(home) + "/.cache/btrouter";
  return "";
}

Result<LoadedBars> LoadBars(const std::string& path, const LoadOptions& opts) {
  Result<Source> src = DescribeSource(path);
  if (!src.ok()) return src.status();
  std::string cache_file;
  if (!opts.cache_dir.empty()) {
    cache_file = CacheFilePath(opts.cache_dir, path);
    std::optional<LoadedBars> cached = ReadCache(cache_file, *src);
    if (cached) return std::move(*cached);
  }
  Result<LoadedBars> loaded = LoadFromSource(path, *src);
  if (loaded.ok() && !cache_file.empty()) WriteCache(cache_file, *src, *loaded);
  return loaded;
}

}  // namespace btr
