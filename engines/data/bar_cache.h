// LoadBars: the one entry point that turns a dataset path into bars, with a binary cache so a
// dataset is parsed once.
//
// Dispatch by path:
//   *.csv (any case)          CSV (engines/data/csv_loader.h)
//   YYYYMMDD_trade.zip        one LEAN minute day (engines/data/lean_loader.h)
//   any other *.zip           a LEAN zip by its content: daily, or one minute day
//                             (LoadLeanZip: an uploaded dataset's file is "<id>.zip")
//   a folder                  a LEAN minute folder (every YYYYMMDD_trade.zip in it)
//
// sha256 identifies the data a run used: the digest of the source file's bytes; for a folder, of
// the concatenated bytes of its YYYYMMDD_trade.zip files in name (= date) order.
//
// Cache: with a non-empty cache_dir, a parsed dataset is stored as
// "<cache_dir>/<first 32 hex of sha256(absolute path)>.bars" (binary, host byte order), keyed by
// the source identity: absolute path plus the size and modification time (ns) of every source
// file. A cache file whose magic, format version, identity, sizes or checksum do not match is
// ignored and rebuilt; it is never trusted and never an error. Cache files are written to a
// temporary file and renamed, so concurrent loaders (threads or processes) are safe. Failing to
// write the cache is silent (the bars are still returned). A source edited within the same
// nanosecond mtime and size is not detected.
//
// Errors: those of the loaders (kNotFound for a missing path, kInvalidArgument for bad data or an
// unsupported kind of path). Thread-safe.
#pragma once

#include <string>

#include "engines/core/status.h"
#include "engines/data/bars.h"

namespace btr {

struct LoadOptions {
  // Folder for cache files, created when missing (mode 0700; the files are 0600). Default:
  // empty, meaning no cache. The CLI passes DefaultCacheDir().
  std::string cache_dir;
};

struct LoadedBars {
  BarSeries bars;
  std::string sha256;       // lower-case hex digest of the source bytes (see above)
  bool from_cache = false;  // true when the bars came from a valid cache file
};

Result<LoadedBars> LoadBars(const std::string& path, const LoadOptions& opts = {});

// "$XDG_CACHE_HOME/btrouter" when XDG_CACHE_HOME is set to an absolute path, else
// "$HOME/.cache/btrouter", else "" (no cache). Reads the environment; call it at startup.
std::string DefaultCacheDir();

// The cache file LoadBars uses for `path` under `cache_dir`.
std::string CacheFilePath(const std::string& cache_dir, const std::string& path);

}  // namespace btr
