// Bars as LEAN-format US-equity data: CheckLeanBars and WriteLeanData (lean_project.h).
// Layout and row formats: qc_lean.md §2.9; engines/data/lean_loader.h reads them back.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <system_error>
#include <vector>

#include "adapters/lean/lean_internal.h"
#include "adapters/lean/lean_project.h"
#include "engines/data/file_util.h"
#include "engines/data/zip_writer.h"

namespace btr::lean {
namespace {

using internal::LeanLayout;

constexpr double kDeciCents = 10000.0;
constexpr double kMaxDeciCents = 9007199254740992.0;  // 2^53: beyond it integers are not exact
constexpr TimeNs kSessionOpen = 9 * kNsPerHour + 30 * kNsPerMinute;
constexpr TimeNs kSessionClose = 16 * kNsPerHour;
constexpr TimeNs kExtendedOpen = 4 * kNsPerHour;
constexpr TimeNs kExtendedClose = 20 * kNsPerHour;

std::string Bar(const BarSeries& bars, size_t i) {
  return "bar " + std::to_string(i) + " (" + FormatIsoTime(bars.time[i]) + ")";
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// "YYYYMMDD" of a time.
std::string DateDigits(TimeNs t) {
  const CivilTime c = ToCivil(t);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d%02u%02u", c.year, c.month, c.day);
  return buf;
}

// The price as whole deci-cents; nullopt when it is not one (beyond a rounding error).
std::optional<int64_t> DeciCents(double price) {
  const double scaled = price * kDeciCents;
  if (!(scaled >= 0.5) || scaled >= kMaxDeciCents) return std::nullopt;
  const double whole = std::nearbyint(scaled);
  const double tolerance = std::max(1e-9, 1e-12 * price);
  if (std::fabs(whole / kDeciCents - price) > tolerance) return std::nullopt;
  return static_cast<int64_t>(whole);
}

std::string VolumeText(double volume) {
  if (volume == std::floor(volume) && volume < 1e15) {
    return std::to_string(static_cast<long long>(volume));
  }
  return internal::ShortestText(volume);
}

// ",open,high,low,close,volume\n" in LEAN's integer deci-cents. REQUIRES: CheckLeanBars passed.
void AppendPrices(const BarSeries& bars, size_t i, std::string* out) {
  for (const Column<double>* column : {&bars.open, &bars.high, &bars.low, &bars.close}) {
    *out += ',';
    *out += std::to_string(*DeciCents((*column)[i]));
  }
  *out += ',';
  *out += VolumeText(bars.volume[i]);
  *out += '\n';
}

Status WriteError(const Status& s) { return s.ok() ? s : Status::Internal(s.message()); }

Status MakeDirs(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::Internal(dir.string() + ": cannot create folder: " + ec.message());
  return Status::Ok();
}

}  // namespace

namespace internal {

std::string ShortestText(double value) {
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  return ec == std::errc() ? std::string(buf, end) : std::string("nan");
}

Result<LeanLayout> CheckLeanBars(const BarSeries& bars) {
  if (bars.size() < 2) {
    return Status::InvalidArgument("dataset: LEAN engines need at least 2 bars, got " +
                                   std::to_string(bars.size()));
  }
  BTR_RETURN_IF_ERROR(ValidateBars(bars).WithPrefix("dataset"));
  std::vector<TimeNs> gaps(bars.size() - 1);
  for (size_t i = 1; i < bars.size(); ++i) gaps[i - 1] = bars.time[i] - bars.time[i - 1];
  std::nth_element(gaps.begin(), gaps.begin() + static_cast<long>(gaps.size() / 2), gaps.end());
  const TimeNs spacing = gaps[gaps.size() / 2];
  LeanLayout layout;
  if (spacing == kNsPerDay) {
    layout.daily = true;
  } else if (spacing == kNsPerMinute) {
    layout.daily = false;
  } else {
    return Status::InvalidArgument(
        "dataset: LEAN engines need daily or minute bars, got a median bar spacing of " +
        ShortestText(static_cast<double>(spacing) / kNsPerSecond) + " s");
  }
  for (size_t i = 0; i < bars.size(); ++i) {
    const TimeNs t = bars.time[i];
    const TimeNs clock = t - DayNumber(t) * kNsPerDay;
    if (layout.daily && clock != 0) {
      return Status::InvalidArgument("dataset: " + Bar(bars, i) +
                                     ": daily bars for LEAN must be stamped 00:00");
    }
    if (!layout.daily) {
      if (clock % kNsPerMinute != 0) {
        return Status::InvalidArgument("dataset: " + Bar(bars, i) +
                                       ": minute bars for LEAN must start on a whole minute");
      }
      if (clock < kExtendedOpen || clock >= kExtendedClose) {
        return Status::InvalidArgument(
            "dataset: " + Bar(bars, i) +
            " lies outside 04:00-20:00 New York time, the longest US-equity session LEAN "
            "delivers; LEAN would skip it");
      }
      if (clock < kSessionOpen || clock >= kSessionClose) layout.extended_hours = true;
    }
    if (DayOfWeek(t) >= 5) {
      return Status::InvalidArgument(
          "dataset: " + Bar(bars, i) + " falls on a " +
          (DayOfWeek(t) == 5 ? "Saturday" : "Sunday") +
          "; LEAN's US-equity calendar has no weekend sessions, so LEAN would skip it");
    }
    static constexpr const char* kNames[] = {"open", "high", "low", "close"};
    const double prices[] = {bars.open[i], bars.high[i], bars.low[i], bars.close[i]};
    for (int k = 0; k < 4; ++k) {
      if (!DeciCents(prices[k])) {
        return Status::InvalidArgument(
            "dataset: " + Bar(bars, i) + ": " + kNames[k] + " " + ShortestText(prices[k]) +
            " is not a whole number of deci-cents; LEAN stores prices as integers of 1/10000 "
            "(at most 4 decimals, at least 0.0001)");
      }
    }
  }
  return layout;
}

}  // namespace internal

Status WriteLeanData(const BarSeries& bars, const std::string& data_dir,
                     std::string_view ticker_symbol) {
  Result<LeanLayout> layout = internal::CheckLeanBars(bars);
  if (!layout.ok()) return layout.status();
  const std::string ticker = Lower(ticker_symbol);
  const std::filesystem::path root = std::filesystem::path(data_dir) / "equity" / "usa";
  const std::filesystem::path daily_zip = root / "daily" / (ticker + ".zip");
  const std::filesystem::path minute_dir = root / "minute" / ticker;

  // Replace earlier data of the ticker: a stale minute file inside the new range would be read.
  std::error_code ec;
  std::filesystem::remove_all(minute_dir, ec);
  if (ec) return Status::Internal(minute_dir.string() + ": cannot remove: " + ec.message());
  std::filesystem::remove(daily_zip, ec);
  if (ec) return Status::Internal(daily_zip.string() + ": cannot remove: " + ec.message());

  if (layout->daily) {
    BTR_RETURN_IF_ERROR(MakeDirs(daily_zip.parent_path()));
    std::string csv;
    csv.reserve(bars.size() * 56);
    for (size_t i = 0; i < bars.size(); ++i) {
      csv += DateDigits(bars.time[i]);
      csv += " 00:00";
      AppendPrices(bars, i, &csv);
    }
    BTR_RETURN_IF_ERROR(WriteError(WriteZipFile(daily_zip.string(), ticker + ".csv", csv)));
  } else {
    BTR_RETURN_IF_ERROR(MakeDirs(minute_dir));
    size_t i = 0;
    while (i < bars.size()) {
      const int64_t day = DayNumber(bars.time[i]);
      const std::string date = DateDigits(bars.time[i]);
      std::string csv;
      for (; i < bars.size() && DayNumber(bars.time[i]) == day; ++i) {
        csv += std::to_string((bars.time[i] - day * kNsPerDay) / 1'000'000);
        AppendPrices(bars, i, &csv);
      }
      const std::filesystem::path zip = minute_dir / (date + "_trade.zip");
      BTR_RETURN_IF_ERROR(
          WriteError(WriteZipFile(zip.string(), date + "_" + ticker + "_minute_trade.csv", csv)));
    }
  }

  // No renames, splits or dividends: one mapping and factors of 1 from the first bar on.
  const std::string first = DateDigits(bars.time[0]);
  const std::string last =
      std::max(DateDigits(bars.time[bars.size() - 1]), std::string("20501231"));
  const std::filesystem::path map_file = root / "map_files" / (ticker + ".csv");
  const std::filesystem::path factor_file = root / "factor_files" / (ticker + ".csv");
  BTR_RETURN_IF_ERROR(MakeDirs(map_file.parent_path()));
  BTR_RETURN_IF_ERROR(MakeDirs(factor_file.parent_path()));
  BTR_RETURN_IF_ERROR(WriteError(WriteFileAtomic(
      map_file.string(), first + "," + ticker + ",Q\n" + last + "," + ticker + ",Q\n")));
  BTR_RETURN_IF_ERROR(
      WriteError(WriteFileAtomic(factor_file.string(), first + ",1,1,1\n" + last + ",1,1,0\n")));
  return Status::Ok();
}

}  // namespace btr::lean
