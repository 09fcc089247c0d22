// Fuzz target: the ZIP reader (engines/data/zip_reader.h) on arbitrary archive bytes: the
// central directory, then the first entries extracted. Beyond the sanitizers it checks that an
// extracted entry has its declared size, that the entry count is bounded by the archive size and
// that messages are valid UTF-8 and bounded whatever the names in the archive.
#include <string>

#include "engines/data/zip_reader.h"
#include "fuzz/fuzz_util.h"

namespace {

// Every entry may point at the same compressed bytes, so extracting all of them costs up to
// entries x 1032 x size; the reader's per-entry bounds are what is under test, a few suffice.
constexpr size_t kEntriesExtracted = 4;

// Entry names are raw bytes: messages quote them escaped and cut (80 characters, 20 names).
void CheckMessage(const btr::Status& status) {
  btr::fuzz::Check(btr::fuzz::DumpsAsJson(status.message()), "messages are valid UTF-8");
  btr::fuzz::Check(status.message().size() <= 8 * btr::fuzz::kMaxMessageBytes,
                   "a message does not grow with the archive");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using btr::fuzz::Check;
  btr::Result<btr::ZipReader> zip =
      btr::ZipReader::FromBytes(std::string(btr::fuzz::AsText(data, size)), "fuzz.zip");
  if (!zip.ok()) {
    CheckMessage(zip.status());
    return 0;
  }
  Check(zip->entries().size() <= size / 46, "a central directory header takes 46 bytes");
  for (size_t i = 0; i < zip->entries().size() && i < kEntriesExtracted; ++i) {
    const btr::ZipEntry& entry = zip->entries()[i];
    btr::Result<std::string> bytes = zip->Extract(entry);
    if (bytes.ok()) {
      Check(bytes->size() == entry.uncompressed_size, "an entry has its declared size");
    } else {
      CheckMessage(bytes.status());
    }
  }
  constexpr std::string_view kAbsent = "no such entry \x01";
  const btr::Status missing = zip->Extract(kAbsent).status();
  if (zip->Find(kAbsent) == nullptr) {
    Check(missing.code() == btr::StatusCode::kNotFound, "a missing entry is NotFound");
  }
  CheckMessage(missing);
  return 0;
}
