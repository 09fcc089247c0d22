// A minimal ZIP archive reader (PKWARE APPNOTE 6.3): the end-of-central-directory record (and
// its ZIP64 form), the central directory, and extraction of stored (method 0) and deflated
// (method 8, raw inflate through zlib) entries, each checked against its CRC-32 and sizes.
// Not supported: encryption, multi-disk archives, other compression methods.
//
// The whole archive is held in memory (LEAN data zips are small: one day or one symbol each).
// Errors are kInvalidArgument naming the archive ("spy.zip: truncated archive: ...",
// "spy.zip: spy.csv: CRC-32 mismatch"), kNotFound for a missing archive or entry. Entry names
// are quoted cut to 80 characters, bytes that are not UTF-8 as \xNN. Never crashes on corrupt
// input: every offset and size is checked against the archive size, and an entry is inflated
// only up to its declared size (at most 1032 times its compressed size).
//
// A ZipReader is immutable after Open: concurrent const calls are safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engines/core/status.h"

namespace btr {

struct ZipEntry {
  std::string name;     // as stored, '/'-separated
  uint16_t method = 0;  // 0 stored, 8 deflated
  uint16_t flags = 0;   // general purpose bit flags
  uint32_t crc32 = 0;
  uint64_t compressed_size = 0;
  uint64_t uncompressed_size = 0;
  uint64_t local_header_offset = 0;
};

class ZipReader {
 public:
  // Reads the archive at `path` and parses its central directory.
  static Result<ZipReader> Open(const std::string& path);
  // Parses an archive already in memory; `name` is used in error messages.
  static Result<ZipReader> FromBytes(std::string bytes, std::string name);

  // The archive name used in messages (the path given to Open).
  const std::string& name() const { return name_; }
  // Entries in central-directory order.
  const std::vector<ZipEntry>& entries() const { return entries_; }
  // The entry with exactly this name, or nullptr.
  const ZipEntry* Find(std::string_view entry_name) const;

  // The uncompressed bytes of an entry of this archive, after checking sizes and CRC-32.
  Result<std::string> Extract(const ZipEntry& entry) const;
  // Same, by name; kNotFound listing the first 20 entries when there is no such entry.
  Result<std::string> Extract(std::string_view entry_name) const;

 private:
  ZipReader() = default;
  Status ParseDirectory();
  Status Corrupt(const std::string& what) const;

  std::string name_;
  std::string data_;
  std::vector<ZipEntry> entries_;
};

}  // namespace btr
