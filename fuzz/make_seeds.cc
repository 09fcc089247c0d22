// fuzz_seeds OUT_DIR: writes the generated seeds of the fuzz targets (docs/fuzzing.md) into
// OUT_DIR/<target>/: CSV files of GBM bars in the layouts the loader accepts, ZIP archives of
// such a file (stored, deflated, two entries) from ZipWriter, and spec bodies from SpecToJson.
// The hand-written seeds are in fuzz/corpus/<target>/. Exit 1 with a message when a file
// cannot be written.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "engines/data/gbm_generator.h"
#include "engines/data/zip_writer.h"
#include "engines/spec_json.h"

namespace {

namespace fs = std::filesystem;

bool Write(const fs::path& dir, const std::string& name, const std::string& bytes) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  std::ofstream out(dir / name, std::ios::binary | std::ios::trunc);
  out << bytes;
  out.close();
  if (!out) {
    std::fprintf(stderr, "fuzz_seeds: cannot write %s\n", (dir / name).c_str());
    return false;
  }
  return true;
}

std::string Csv(const btr::BarSeries& bars, int decimals) {
  std::string text;
  btr::AppendBarsCsv(bars, decimals, &text);
  return text;
}

std::string Zip(const std::string& csv, btr::ZipMethod method, bool two_entries) {
  btr::ZipWriter writer;
  if (!writer.Add("bars.csv", csv, method).ok()) return "";
  if (two_entries && !writer.Add("more/bars.csv", csv.substr(0, csv.size() / 2), method).ok()) {
    return "";
  }
  btr::Result<std::string> zip = writer.Finish();
  return zip.ok() ? *zip : "";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: fuzz_seeds OUT_DIR\n");
    return 2;
  }
  const fs::path out = argv[1];
  bool ok = true;

  btr::GbmParams daily;
  daily.step = btr::kNsPerDay;
  const btr::BarSeries minutes = btr::GenerateGbmBars(40);
  btr::BarSeries no_volume = btr::GenerateGbmBars(12, daily);
  no_volume.has_volume = false;
  const fs::path csv = out / "csv_loader";
  ok &= Write(csv, "gbm_minutes.csv", Csv(minutes, 4));
  ok &= Write(csv, "gbm_daily_no_volume.csv", Csv(no_volume, 2));

  const std::string small = Csv(btr::GenerateGbmBars(8), 4);
  const fs::path zip = out / "zip_reader";
  ok &= Write(zip, "stored.zip", Zip(small, btr::ZipMethod::kStored, false));
  ok &= Write(zip, "deflated.zip", Zip(small, btr::ZipMethod::kDeflated, false));
  ok &= Write(zip, "two_entries.zip", Zip(small, btr::ZipMethod::kDeflated, true));

  btr::BacktestSpec spec;
  spec.strategy = {"sma_cross", {{"fast", 10}, {"slow", 20}, {"long_only", 1}}};
  spec.dataset = "ds_0123456789";
  spec.fallback = {"backtestingpy", "lean_local"};
  spec.commission = 0.002;
  spec.finalize_trades = true;
  spec.start = "2015-01-01";
  spec.end = "2015-06-30T16:00:00Z";
  ok &= Write(out / "spec_json", "full_spec.json", btr::SpecToJson(spec).dump(2));
  return ok ? 0 : 1;
}
