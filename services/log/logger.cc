#include "services/log/logger.h"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace btr {
namespace {

class StderrSink final : public LogSink {
 public:
  void Write(std::string_view line) override {
    std::string out(line);
    out += '\n';
    // One call per line: stdio locks the stream, so concurrent lines never interleave.
    std::fwrite(out.data(), 1, out.size(), stderr);
  }
};

std::string NowIso() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buf[96];  // room for any int the format could print
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<int>(millis));
  return buf;
}

// A text-format value: bare when it is a plain word, JSON otherwise (quoted strings, numbers).
std::string TextValue(const LogFields& value) {
  if (!value.is_string()) return value.dump();
  const std::string& s = value.get_ref<const std::string&>();
  bool bare = !s.empty();
  for (char c : s) {
    if (c == ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) < 0x20) {
      bare = false;
    }
  }
  return bare ? s : value.dump();
}

}  // namespace

std::string_view LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

std::optional<LogLevel> ParseLogLevel(std::string_view name) {
  for (LogLevel level : {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarn, LogLevel::kError}) {
    if (LogLevelName(level) == name) return level;
  }
  return std::nullopt;
}

Logger::Logger(LogLevel level, LogFormat format, std::shared_ptr<LogSink> sink)
    : level_(level),
      format_(format),
      sink_(sink != nullptr ? std::move(sink) : std::make_shared<StderrSink>()) {}

std::string Logger::Format(LogLevel level, std::string_view msg, const LogFields& fields) const {
  const std::string ts = NowIso();
  if (format_.load(std::memory_order_relaxed) == LogFormat::kText) {
    std::string line = ts + " " + std::string(LogLevelName(level)) + " " + std::string(msg);
    if (fields.is_object()) {
      for (const auto& [key, value] : fields.items()) line += " " + key + "=" + TextValue(value);
    }
    return line;
  }
  LogFields line = {{"ts", ts}, {"level", LogLevelName(level)}, {"msg", msg}};
  if (fields.is_object()) {
    for (const auto& [key, value] : fields.items()) line[key] = value;
  }
  // Invalid UTF-8 in a field is replaced rather than thrown on.
  return line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

void Logger::Log(LogLevel level, std::string_view msg, const LogFields& fields) const {
  if (!Enabled(level)) return;
  sink_->Write(Format(level, msg, fields));
}

Logger& DefaultLogger() {
  static Logger* logger = new Logger();  // never destroyed: worker threads may log at exit
  return *logger;
}

}  // namespace btr
