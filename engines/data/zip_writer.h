// A minimal ZIP archive writer (PKWARE APPNOTE 6.3), the counterpart of zip_reader.h: entries are
// stored (method 0) or deflated (method 8, raw deflate through zlib), each with its CRC-32 and
// sizes in the local header (no data descriptors), followed by the central directory and the
// end-of-central-directory record. Written for LEAN data files (one small CSV per archive).
//
// Deterministic: every entry carries the DOS time 1980-01-01 00:00, no extra fields and no
// comments, so the same entries always give the same bytes. Not supported: ZIP64 (an archive or
// an entry of 4 GiB or more, or more than 65535 entries, is refused with kInvalidArgument),
// encryption, directories as entries.
//
// A ZipWriter is a plain builder: not synchronized, use it from one thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engines/core/status.h"

namespace btr {

enum class ZipMethod : uint16_t { kStored = 0, kDeflated = 8 };

class ZipWriter {
 public:
  // Appends an entry named `name` ('/'-separated, not empty, unique in the archive) holding
  // `data`. InvalidArgument for a bad or repeated name or a size beyond the limits above;
  // Internal when zlib fails.
  Status Add(std::string_view name, std::string_view data, ZipMethod method = ZipMethod::kDeflated);

  // The whole archive: the entries added so far plus the central directory. The writer may be
  // used again afterwards (Finish() does not consume it).
  Result<std::string> Finish() const;

  // Number of entries added.
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::string name;
    ZipMethod method = ZipMethod::kStored;
    uint32_t crc32 = 0;
    uint32_t compressed_size = 0;
    uint32_t uncompressed_size = 0;
    uint32_t local_header_offset = 0;
  };

  std::string body_;  // local headers and entry data, in order
  std::vector<Entry> entries_;
};

// Writes a one-entry archive to `path` atomically (engines/data/file_util.h WriteFileAtomic).
// Errors name the path.
Status WriteZipFile(const std::string& path, std::string_view entry_name, std::string_view data,
                    ZipMethod method = ZipMethod::kDeflated);

}  // namespace btr
