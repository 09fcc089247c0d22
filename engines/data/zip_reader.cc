#include "engines/data/zip_reader.h"

#define ZLIB_CONST
#include <zlib.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <utility>

#include "engines/data/file_util.h"
#include "engines/data/parse_util.h"

namespace btr {
namespace {

constexpr uint32_t kLocalHeaderSig = 0x04034b50;
constexpr uint32_t kCentralHeaderSig = 0x02014b50;
constexpr uint32_t kEndOfDirSig = 0x06054b50;
constexpr uint32_t kZip64EndOfDirSig = 0x06064b50;
constexpr uint32_t kZip64LocatorSig = 0x07064b50;
constexpr size_t kEndOfDirSize = 22;
constexpr size_t kZip64LocatorSize = 20;
constexpr size_t kZip64EndOfDirSize = 56;
constexpr size_t kCentralHeaderSize = 46;
constexpr size_t kLocalHeaderSize = 30;
constexpr uint16_t kZip64ExtraId = 0x0001;
// Deflate cannot expand more than about 1032:1; a larger claim is a corrupt or hostile header.
constexpr uint64_t kMaxDeflateRatio = 1032;

uint16_t Le16(const std::string& d, size_t pos) {
  return static_cast<uint16_t>(static_cast<unsigned char>(d[pos]) |
                               static_cast<unsigned char>(d[pos + 1]) << 8);
}
uint32_t Le32(const std::string& d, size_t pos) {
  return static_cast<uint32_t>(Le16(d, pos)) | static_cast<uint32_t>(Le16(d, pos + 2)) << 16;
}
uint64_t Le64(const std::string& d, size_t pos) {
  return static_cast<uint64_t>(Le32(d, pos)) | static_cast<uint64_t>(Le32(d, pos + 4)) << 32;
}

std::string Hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

// An entry name for a message: names are raw bytes of the archive (ZIP does not require UTF-8).
std::string Shown(std::string_view entry_name) {
  return data_internal::ShownForError(entry_name, 80);
}

// True when [pos, pos + len) lies inside a buffer of `size` bytes (overflow-safe).
bool InBounds(uint64_t pos, uint64_t len, uint64_t size) {
  return pos <= size && len <= size - pos;
}

}  // namespace

Status ZipReader::Corrupt(const std::string& what) const {
  return Status::InvalidArgument(name_ + ": corrupt or truncated ZIP archive: " + what);
}

Result<ZipReader> ZipReader::Open(const std::string& path) {
  Result<std::string> bytes = ReadFileToString(path);
  if (!bytes.ok()) return bytes.status();
  return FromBytes(std::move(bytes).value(), path);
}

Result<ZipReader> ZipReader::FromBytes(std::string bytes, std::string name) {
  ZipReader reader;
  reader.name_ = std::move(name);
  reader.data_ = std::move(bytes);
  BTR_RETURN_IF_ERROR(reader.ParseDirectory());
  return reader;
}

Status ZipReader::ParseDirectory() {
  const std::string& d = data_;
  const uint64_t size = d.size();
  if (size < kEndOfDirSize) {
    return Corrupt("only " + std::to_string(size) + " bytes, no end-of-central-directory record");
  }
  // The end record is the last thing in the file, followed only by a comment of up to 64 KiB.
  size_t eocd = std::string::npos;
  const size_t lowest = size > kEndOfDirSize + 0xFFFF ? size - kEndOfDirSize - 0xFFFF : 0;
  for (size_t pos = size - kEndOfDirSize + 1; pos-- > lowest;) {
    if (Le32(d, pos) == kEndOfDirSig && pos + kEndOfDirSize + Le16(d, pos + 20) <= size) {
      eocd = pos;
      break;
    }
  }
  if (eocd == std::string::npos) return Corrupt("end-of-central-directory record not found");
  if (Le16(d, eocd + 4) != 0 || Le16(d, eocd + 6) != 0) {
    return Status::InvalidArgument(name_ + ": multi-disk ZIP archives are not supported");
  }
  uint64_t count = Le16(d, eocd + 10);
  uint64_t dir_size = Le32(d, eocd + 12);
  uint64_t dir_offset = Le32(d, eocd + 16);
  if (eocd >= kZip64LocatorSize && Le32(d, eocd - kZip64LocatorSize) == kZip64LocatorSig) {
    const uint64_t rec = Le64(d, eocd - kZip64LocatorSize + 8);
    if (!InBounds(rec, kZip64EndOfDirSize, size) || Le32(d, rec) != kZip64EndOfDirSig) {
      return Corrupt("bad ZIP64 end-of-central-directory record");
    }
    count = Le64(d, rec + 32);
    dir_size = Le64(d, rec + 40);
    dir_offset = Le64(d, rec + 48);
  }
  if (!InBounds(dir_offset, dir_size, size)) {
    return Corrupt("central directory (offset " + std::to_string(dir_offset) + ", " +
                   std::to_string(dir_size) + " bytes) lies outside the " + std::to_string(size) +
                   "-byte file");
  }
  if (count > dir_size / kCentralHeaderSize) return Corrupt("entry count exceeds the directory");

  entries_.clear();
  entries_.reserve(count);
  uint64_t pos = dir_offset;
  const uint64_t dir_end = dir_offset + dir_size;
  for (uint64_t i = 0; i < count; ++i) {
    if (!InBounds(pos, kCentralHeaderSize, dir_end) || Le32(d, pos) != kCentralHeaderSig) {
      return Corrupt("central directory entry " + std::to_string(i) + " is malformed");
    }
    const size_t name_len = Le16(d, pos + 28);
    const size_t extra_len = Le16(d, pos + 30);
    const size_t comment_len = Le16(d, pos + 32);
    if (!InBounds(pos + kCentralHeaderSize, name_len + extra_len + comment_len, dir_end)) {
      return Corrupt("central directory entry " + std::to_string(i) + " overruns the directory");
    }
    ZipEntry e;
    e.flags = Le16(d, pos + 8);
    e.method = Le16(d, pos + 10);
    e.crc32 = Le32(d, pos + 16);
    e.compressed_size = Le32(d, pos + 20);
    e.uncompressed_size = Le32(d, pos + 24);
    const uint16_t disk = Le16(d, pos + 34);
    e.local_header_offset = Le32(d, pos + 42);
    e.name = d.substr(pos + kCentralHeaderSize, name_len);

    // ZIP64 extended information: 64-bit values for the fields saturated at 0xFFFFFFFF, in
    // the order uncompressed size, compressed size, local header offset.
    uint64_t x = pos + kCentralHeaderSize + name_len;
    const uint64_t x_end = x + extra_len;
    while (x + 4 <= x_end) {
      const uint16_t id = Le16(d, x);
      const uint16_t len = Le16(d, x + 2);
      if (x + 4 + len > x_end) return Corrupt(Shown(e.name) + ": malformed extra field");
      if (id == kZip64ExtraId) {
        uint64_t f = x + 4;
        const uint64_t f_end = f + len;
        for (uint64_t* field : {&e.uncompressed_size, &e.compressed_size, &e.local_header_offset}) {
          if (*field != 0xFFFFFFFFu) continue;
          if (f + 8 > f_end) return Corrupt(Shown(e.name) + ": short ZIP64 extra field");
          *field = Le64(d, f);
          f += 8;
        }
      }
      x += 4 + len;
    }
    if (disk != 0 && disk != 0xFFFF) {
      return Status::InvalidArgument(name_ + ": multi-disk ZIP archives are not supported");
    }
    entries_.push_back(std::move(e));
    pos += kCentralHeaderSize + name_len + extra_len + comment_len;
  }
  return Status::Ok();
}

const ZipEntry* ZipReader::Find(std::string_view entry_name) const {
  for (const ZipEntry& e : entries_) {
    if (e.name == entry_name) return &e;
  }
  return nullptr;
}

Result<std::string> ZipReader::Extract(std::string_view entry_name) const {
  const ZipEntry* e = Find(entry_name);
  if (e == nullptr) {
    constexpr size_t kNamesListed = 20;
    std::string names;
    for (size_t i = 0; i < entries_.size() && i < kNamesListed; ++i) {
      if (!names.empty()) names += ", ";
      names += Shown(entries_[i].name);
    }
    if (entries_.size() > kNamesListed) names += ", ...";
    return Status::NotFound(name_ + ": no entry '" + Shown(entry_name) +
                            "' (entries: " + (names.empty() ? "none" : names) + ")");
  }
  return Extract(*e);
}

Result<std::string> ZipReader::Extract(const ZipEntry& e) const {
  const std::string& d = data_;
  const uint64_t size = d.size();
  const std::string where = Shown(e.name) + ": ";
  if (e.flags & 1) return Status::InvalidArgument(name_ + ": " + where + "encrypted entry");
  if (!InBounds(e.local_header_offset, kLocalHeaderSize, size) ||
      Le32(d, e.local_header_offset) != kLocalHeaderSig) {
    return Corrupt(where + "local header not found");
  }
  const uint64_t start = e.local_header_offset + kLocalHeaderSize +
                         Le16(d, e.local_header_offset + 26) + Le16(d, e.local_header_offset + 28);
  if (!InBounds(start, e.compressed_size, size)) {
    return Corrupt(where + "data (" + std::to_string(e.compressed_size) +
                   " bytes) runs past the end of the file");
  }
  const char* in = d.data() + start;
  std::string out;
  if (e.method == 0) {
    if (e.compressed_size != e.uncompressed_size) {
      return Corrupt(where + "stored entry whose sizes differ");
    }
    out.assign(in, e.compressed_size);
  } else if (e.method == 8) {
    if (e.uncompressed_size > e.compressed_size * kMaxDeflateRatio + 1024) {
      return Corrupt(where + "implausible uncompressed size " +
                     std::to_string(e.uncompressed_size));
    }
    // One spare byte detects a stream that inflates to more than the declared size.
    out.resize(e.uncompressed_size + 1);
    z_stream z{};
    if (inflateInit2_(&z, -MAX_WBITS, ZLIB_VERSION, static_cast<int>(sizeof(z_stream))) != Z_OK) {
      return Status::Internal(name_ + ": " + where + "inflateInit2 failed");
    }
    uint64_t in_left = e.compressed_size;
    uint64_t out_left = out.size();
    z.next_in = reinterpret_cast<const Bytef*>(in);
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    int rc = Z_OK;
    while (true) {
      if (z.avail_in == 0 && in_left > 0) {
        z.avail_in = static_cast<uInt>(std::min<uint64_t>(in_left, UINT_MAX));
        in_left -= z.avail_in;
      }
      if (z.avail_out == 0 && out_left > 0) {
        z.avail_out = static_cast<uInt>(std::min<uint64_t>(out_left, UINT_MAX));
        out_left -= z.avail_out;
      }
      rc = inflate(&z, Z_NO_FLUSH);
      if (rc == Z_STREAM_END) break;
      if (rc == Z_OK) continue;
      if (rc == Z_BUF_ERROR && z.avail_in == 0 && in_left == 0) break;    // input ran out
      if (rc == Z_BUF_ERROR && z.avail_out == 0 && out_left == 0) break;  // output full
      break;
    }
    const uint64_t produced = z.total_out;
    const std::string zmsg = z.msg != nullptr ? z.msg : "";
    inflateEnd(&z);
    if (rc != Z_STREAM_END) {
      if (rc == Z_DATA_ERROR) return Corrupt(where + "bad deflate data (" + zmsg + ")");
      if (produced > e.uncompressed_size) {
        return Corrupt(where + "inflates to more than the declared " +
                       std::to_string(e.uncompressed_size) + " bytes");
      }
      return Corrupt(where + "deflate stream ends early");
    }
    if (produced != e.uncompressed_size) {
      return Corrupt(where + "inflated to " + std::to_string(produced) + " bytes, expected " +
                     std::to_string(e.uncompressed_size));
    }
    out.resize(e.uncompressed_size);
  } else {
    return Status::InvalidArgument(name_ + ": " + where + "compression method " +
                                   std::to_string(e.method) +
                                   " is not supported (only stored and deflated)");
  }
  const uint32_t crc =
      static_cast<uint32_t>(crc32_z(0, reinterpret_cast<const Bytef*>(out.data()), out.size()));
  if (crc != e.crc32) {
    return Corrupt(where + "CRC-32 mismatch (stored " + Hex32(e.crc32) + ", computed " +
                   Hex32(crc) + ")");
  }
  return out;
}

}  // namespace btr
