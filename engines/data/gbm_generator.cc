#include "engines/data/gbm_generator.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cmath>
#include <cstring>
#include <numbers>
#include <vector>

#include "engines/data/file_util.h"

namespace btr {
namespace {

uint64_t SplitMix64(uint64_t seed, uint64_t k) {
  uint64_t z = seed + (k + 1) * 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

constexpr double kTwoPow53Inv = 1.0 / 9007199254740992.0;  // 2^-53, exact

// The recipe's uniform draws for draw number k: U_half in [0, 1), U_open in (0, 1].
double UHalf(uint64_t seed, uint64_t k) {
  return static_cast<double>(SplitMix64(seed, k) >> 11) * kTwoPow53Inv;
}
double UOpen(uint64_t seed, uint64_t k) {
  return static_cast<double>((SplitMix64(seed, k) >> 11) + 1) * kTwoPow53Inv;
}

// Box-Muller, cosine branch: Z(a, b) for bar draws base + a, base + b.
double Normal(uint64_t seed, uint64_t base, uint64_t a, uint64_t b) {
  constexpr double kTwoPi = 2.0 * std::numbers::pi;
  return std::sqrt(-2.0 * std::log(UOpen(seed, base + a))) *
         std::cos(kTwoPi * UHalf(seed, base + b));
}

// The double nearest to the "%.4f" text of v, i.e. v as the CSV reads back.
double RoundTripFixed4(double v) {
  char buf[400];
  const auto written = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, 4);
  if (written.ec != std::errc()) return v;  // |v| beyond 1e395 cannot happen for finite doubles
  double out = v;
  std::from_chars(buf, written.ptr, out);
  return out;
}

// Formats CSV rows into a chunk buffer and hands full chunks to a sink.
class CsvFormatter {
 public:
  explicit CsvFormatter(int decimals) : decimals_(std::clamp(decimals, 0, 17)) {
    buf_.resize(kChunk + kMaxRow);
  }

  // Calls sink(const char*, size_t) -> bool for each chunk; stops and returns false when the sink
  // fails.
  template <typename Sink>
  bool Run(const BarSeries& bars, Sink&& sink) {
    const char* header =
        bars.has_volume ? "Time,Open,High,Low,Close,Volume\n" : "Time,Open,High,Low,Close\n";
    size_t used = std::strlen(header);
    std::memcpy(buf_.data(), header, used);
    for (size_t i = 0; i < bars.size(); ++i) {
      char* p = buf_.data() + used;
      p = FormatTime(p, bars.time[i]);
      for (const Column<double>* column : {&bars.open, &bars.high, &bars.low, &bars.close}) {
        *p++ = ',';
        p = FormatPrice(p, (*column)[i]);
      }
      if (bars.has_volume) {
        *p++ = ',';
        p = FormatVolume(p, bars.volume[i]);
      }
      *p++ = '\n';
      used = static_cast<size_t>(p - buf_.data());
      if (used >= kChunk) {
        if (!sink(buf_.data(), used)) return false;
        used = 0;
      }
    }
    return used == 0 || sink(buf_.data(), used);
  }

 private:
  static constexpr size_t kChunk = 1 << 20;
  static constexpr size_t kMaxRow = 4096;  // a row is at most ~1.7 KB even for huge prices
  static constexpr size_t kMaxNumber = 400;

  static void Two(char* p, unsigned v) {
    p[0] = static_cast<char>('0' + v / 10);
    p[1] = static_cast<char>('0' + v % 10);
  }

  char* FormatTime(char* p, TimeNs t) {
    const int64_t day = DayNumber(t);
    if (!have_day_ || day != day_) {
      const CivilTime c = ToCivil(t);
      char* d = date_;
      if (c.year >= 0 && c.year <= 9999) {
        Two(d, static_cast<unsigned>(c.year) / 100);
        Two(d + 2, static_cast<unsigned>(c.year) % 100);
        d += 4;
      } else {
        d = std::to_chars(d, d + 12, c.year).ptr;
      }
      *d++ = '-';
      Two(d, c.month);
      d[2] = '-';
      Two(d + 3, c.day);
      d[5] = ' ';
      date_len_ = static_cast<size_t>(d + 6 - date_);
      day_ = day;
      have_day_ = true;
    }
    std::memcpy(p, date_, date_len_);
    p += date_len_;
    const int64_t secs = (t - day_ * kNsPerDay) / kNsPerSecond;
    const unsigned sec = static_cast<unsigned>(secs);
    Two(p, sec / 3600);
    p[2] = ':';
    Two(p + 3, sec / 60 % 60);
    p[5] = ':';
    Two(p + 6, sec % 60);
    return p + 8;
  }

  char* FormatPrice(char* p, double v) const {
    const auto r = std::to_chars(p, p + kMaxNumber, v, std::chars_format::fixed, decimals_);
    if (r.ec == std::errc()) return r.ptr;
    return std::to_chars(p, p + kMaxNumber, v).ptr;  // cannot happen for finite doubles
  }

  static char* FormatVolume(char* p, double v) {
    if (v == std::floor(v) && std::fabs(v) < 9007199254740992.0) {
      return std::to_chars(p, p + kMaxNumber, static_cast<int64_t>(v)).ptr;
    }
    return std::to_chars(p, p + kMaxNumber, v).ptr;
  }

  int decimals_;
  std::vector<char> buf_;
  char date_[24] = {};
  size_t date_len_ = 0;
  int64_t day_ = 0;
  bool have_day_ = false;
};

}  // namespace

BarSeries GenerateGbmBars(size_t n, const GbmParams& p) {
  BarSeries bars;
  bars.symbol = "GBM";
  bars.has_volume = true;
  bars.Reserve(n);
  const double s = p.sigma * std::sqrt(p.dt);
  const double drift = (p.mu - p.sigma * p.sigma / 2) * p.dt;
  const double up_scale = p.wick * s;
  const double down_scale = -p.wick * s;
  double log_close = std::log(p.s0);
  double open = p.s0;
  for (size_t i = 0; i < n; ++i) {
    const uint64_t base = 8 * static_cast<uint64_t>(i);
    const double z1 = Normal(p.seed, base, 0, 1);
    const double z2 = Normal(p.seed, base, 2, 3);
    const double z3 = Normal(p.seed, base, 4, 5);
    const double r = drift + s * z1;
    log_close = log_close + r;  // sequential running sum, as numpy.cumsum
    const double close = std::exp(log_close);
    const double high = std::max(open, close) * std::exp(up_scale * std::fabs(z2));
    const double low = std::min(open, close) * std::exp(down_scale * std::fabs(z3));
    const double volume = 1000.0 + std::floor(1000.0 * UHalf(p.seed, base + 6));
    bars.Append(p.start + static_cast<TimeNs>(i) * p.step, RoundTripFixed4(open),
                RoundTripFixed4(high), RoundTripFixed4(low), RoundTripFixed4(close), volume);
    open = close;
  }
  return bars;
}

void AppendBarsCsv(const BarSeries& bars, int price_decimals, std::string* out) {
  CsvFormatter formatter(price_decimals);
  formatter.Run(bars, [out](const char* data, size_t size) {
    out->append(data, size);
    return true;
  });
}

Status WriteBarsCsv(const BarSeries& bars, const std::string& path, int price_decimals) {
  return WriteFileAtomicWith(path, [&](int fd) {
    int err = 0;
    CsvFormatter formatter(price_decimals);
    formatter.Run(bars, [fd, &err](const char* data, size_t size) {
      err = WriteAll(fd, data, size);
      return err == 0;
    });
    return err;
  });
}

}  // namespace btr
