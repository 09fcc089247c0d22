// A hand-built ZIP archive for the data tests (from the APPNOTE layout, not a zip library).
#pragma once

#include <zlib.h>

#include <string>

#include "tests/test_util.h"

namespace btr::testing {

// A ZIP archive holding one stored (uncompressed) entry, built from the APPNOTE layout.
inline std::string MakeStoredZip(const std::string& name, const std::string& data) {
  auto le16 = [](std::string* s, unsigned v) {
    s->push_back(static_cast<char>(v & 0xff));
    s->push_back(static_cast<char>(v >> 8 & 0xff));
  };
  auto le32 = [&le16](std::string* s, unsigned long v) {
    le16(s, static_cast<unsigned>(v & 0xffff));
    le16(s, static_cast<unsigned>(v >> 16 & 0xffff));
  };
  const unsigned long crc =
      crc32(0, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size()));
  const auto size = static_cast<unsigned long>(data.size());
  const auto name_len = static_cast<unsigned>(name.size());
  std::string z;
  le32(&z, 0x04034b50);                                  // local header
  for (unsigned v : {10u, 0u, 0u, 0u, 0u}) le16(&z, v);  // version, flags, method, time, date
  le32(&z, crc);
  le32(&z, size);
  le32(&z, size);
  le16(&z, name_len);
  le16(&z, 0);
  z += name + data;
  const auto cd = static_cast<unsigned long>(z.size());
  le32(&z, 0x02014b50);  // central directory header
  for (unsigned v : {20u, 10u, 0u, 0u, 0u, 0u}) le16(&z, v);
  le32(&z, crc);
  le32(&z, size);
  le32(&z, size);
  le16(&z, name_len);
  for (int i = 0; i < 4; ++i) le16(&z, 0);  // extra, comment, disk, internal attributes
  le32(&z, 0);                              // external attributes
  le32(&z, 0);                              // local header offset
  z += name;
  const auto cd_size = static_cast<unsigned long>(z.size()) - cd;
  le32(&z, 0x06054b50);  // end of central directory
  for (unsigned v : {0u, 0u, 1u, 1u}) le16(&z, v);
  le32(&z, cd_size);
  le32(&z, cd);
  le16(&z, 0);
  return z;
}

}  // namespace btr::testing
