#include "engines/data/zip_writer.h"

#define ZLIB_CONST
#include <zlib.h>

#include <limits>

#include "engines/data/file_util.h"

namespace btr {
namespace {

constexpr uint32_t kLocalHeaderSig = 0x04034b50;
constexpr uint32_t kCentralHeaderSig = 0x02014b50;
constexpr uint32_t kEndOfDirSig = 0x06054b50;
constexpr uint16_t kVersionNeeded = 20;                 // 2.0: deflate
constexpr uint16_t kVersionMadeBy = 20;                 // MS-DOS attributes, spec 2.0
constexpr uint16_t kDosTime = 0;                        // 00:00:00
constexpr uint16_t kDosDate = (0 << 9) | (1 << 5) | 1;  // 1980-01-01
constexpr uint64_t kMax32 = std::numeric_limits<uint32_t>::max();
constexpr size_t kMaxEntries = 0xFFFF;

void Put16(std::string* out, uint16_t v) {
  out->push_back(static_cast<char>(v & 0xFF));
  out->push_back(static_cast<char>(v >> 8));
}

void Put32(std::string* out, uint32_t v) {
  Put16(out, static_cast<uint16_t>(v & 0xFFFF));
  Put16(out, static_cast<uint16_t>(v >> 16));
}

// Raw deflate (no zlib header) of `data` at the default level.
Result<std::string> Deflate(std::string_view data) {
  z_stream stream{};
  if (deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) !=
      Z_OK) {
    return Status::Internal("zip: deflateInit2 failed");
  }
  std::string out(deflateBound(&stream, static_cast<uLong>(data.size())), '\0');
  stream.next_in = reinterpret_cast<const Bytef*>(data.data());
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&stream, Z_FINISH);
  const uLong produced = stream.total_out;
  deflateEnd(&stream);
  if (rc != Z_STREAM_END) {
    return Status::Internal("zip: deflate failed (zlib code " + std::to_string(rc) + ")");
  }
  out.resize(produced);
  return out;
}

}  // namespace

Status ZipWriter::Add(std::string_view name, std::string_view data, ZipMethod method) {
  if (name.empty() || name.size() > 0xFFFF || name.front() == '/' || name.back() == '/') {
    return Status::InvalidArgument("zip: bad entry name '" + std::string(name) + "'");
  }
  for (const Entry& e : entries_) {
    if (e.name == name) {
      return Status::InvalidArgument("zip: duplicate entry name '" + std::string(name) + "'");
    }
  }
  if (entries_.size() >= kMaxEntries) {
    return Status::InvalidArgument("zip: more than 65535 entries need ZIP64 (not supported)");
  }
  if (data.size() >= kMax32) {
    return Status::InvalidArgument("zip: entry '" + std::string(name) +
                                   "' of 4 GiB or more needs ZIP64 (not supported)");
  }
  std::string deflated;
  std::string_view stored = data;
  if (method == ZipMethod::kDeflated) {
    Result<std::string> packed = Deflate(data);
    if (!packed.ok()) return packed.status();
    deflated = std::move(packed).value();
    stored = deflated;
  }
  if (body_.size() + 30 + name.size() + stored.size() >= kMax32) {
    return Status::InvalidArgument("zip: archive of 4 GiB or more needs ZIP64 (not supported)");
  }

  Entry e;
  e.name = std::string(name);
  e.method = method;
  e.crc32 = static_cast<uint32_t>(
      crc32(0, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size())));
  e.compressed_size = static_cast<uint32_t>(stored.size());
  e.uncompressed_size = static_cast<uint32_t>(data.size());
  e.local_header_offset = static_cast<uint32_t>(body_.size());

  Put32(&body_, kLocalHeaderSig);
  Put16(&body_, kVersionNeeded);
  Put16(&body_, 0);  // flags
  Put16(&body_, static_cast<uint16_t>(e.method));
  Put16(&body_, kDosTime);
  Put16(&body_, kDosDate);
  Put32(&body_, e.crc32);
  Put32(&body_, e.compressed_size);
  Put32(&body_, e.uncompressed_size);
  Put16(&body_, static_cast<uint16_t>(e.name.size()));
  Put16(&body_, 0);  // extra field length
  body_ += e.name;
  body_.append(stored.data(), stored.size());
  entries_.push_back(std::move(e));
  return Status::Ok();
}

Result<std::string> ZipWriter::Finish() const {
  std::string out = body_;
  const uint64_t directory_offset = out.size();
  for (const Entry& e : entries_) {
    Put32(&out, kCentralHeaderSig);
    Put16(&out, kVersionMadeBy);
    Put16(&out, kVersionNeeded);
    Put16(&out, 0);  // flags
    Put16(&out, static_cast<uint16_t>(e.method));
    Put16(&out, kDosTime);
    Put16(&out, kDosDate);
    Put32(&out, e.crc32);
    Put32(&out, e.compressed_size);
    Put32(&out, e.uncompressed_size);
    Put16(&out, static_cast<uint16_t>(e.name.size()));
    Put16(&out, 0);  // extra field length
    Put16(&out, 0);  // comment length
    Put16(&out, 0);  // disk number start
    Put16(&out, 0);  // internal attributes
    Put32(&out, 0);  // external attributes
    Put32(&out, e.local_header_offset);
    out += e.name;
  }
  const uint64_t directory_size = out.size() - directory_offset;
  if (out.size() + 22 >= kMax32) {
    return Status::InvalidArgument("zip: archive of 4 GiB or more needs ZIP64 (not supported)");
  }
  const auto count = static_cast<uint16_t>(entries_.size());
  Put32(&out, kEndOfDirSig);
  Put16(&out, 0);  // this disk
  Put16(&out, 0);  // disk with the directory
  Put16(&out, count);
  Put16(&out, count);
  Put32(&out, static_cast<uint32_t>(directory_size));
  Put32(&out, static_cast<uint32_t>(directory_offset));
  Put16(&out, 0);  // comment length
  return out;
}

Status WriteZipFile(const std::string& path, std::string_view entry_name, std::string_view data,
                    ZipMethod method) {
  ZipWriter writer;
  BTR_RETURN_IF_ERROR(writer.Add(entry_name, data, method).WithPrefix(path));
  Result<std::string> bytes = writer.Finish();
  if (!bytes.ok()) return bytes.status().WithPrefix(path);
  return WriteFileAtomic(path, *bytes);
}

}  // namespace btr
