#include "services/log/logger.h"

#include <spdlog/logger.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace btr {
namespace {

// Hands spdlog's lines (the message alone: the pattern is "%v") to a LogSink.
class ForwardingSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit ForwardingSink(std::shared_ptr<LogSink> target) : target_(std::move(target)) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    target_->Write(std::string_view(msg.payload.data(), msg.payload.size()));
  }
  void flush_() override {}

 private:
  std::shared_ptr<LogSink> target_;
};

spdlog::level::level_enum SpdLevel(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return spdlog::level::debug;
    case LogLevel::kInfo:
      return spdlog::level::info;
    case LogLevel::kWarn:
      return spdlog::level::warn;
    case LogLevel::kError:
      return spdlog::level::err;
  }
  return spdlog::level::info;
}

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
    : level_(level), format_(format) {
  spdlog::sink_ptr out;
  if (sink != nullptr) {
    out = std::make_shared<ForwardingSink>(std::move(sink));
  } else {
    out = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  }
  out->set_pattern("%v");
  out_ = std::make_shared<spdlog::logger>("btrouter", std::move(out));
  out_->set_level(spdlog::level::trace);  // the level is checked here, before formatting
  out_->flush_on(spdlog::level::trace);   // every line reaches the sink at once
}

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
  const std::string line = Format(level, msg, fields);
  out_->log(SpdLevel(level), spdlog::string_view_t(line.data(), line.size()));
}

Logger& DefaultLogger() {
  static Logger* logger = new Logger();  // never destroyed: worker threads may log at exit
  return *logger;
}

}  // namespace btr
