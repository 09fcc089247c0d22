// Structured logging: one line per event, as a JSON object (default) or as text, written through
// spdlog to a sink (stderr unless replaced). Every line has "ts" (UTC, ISO 8601 with
// milliseconds), "level" and "msg", then the event's fields in the order given (request_id,
// job_id, engine...). The line is built here; spdlog carries it to the sink (locking, levels,
// flushing).
//
//   DefaultLogger().Log(LogLevel::kInfo, "job started", {{"job_id", id}, {"engine", "native"}});
//
// Thread-safe: the level and format are atomics, and a sink receives whole lines.
#pragma once

#include <atomic>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace spdlog {
class logger;
}

namespace btr {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };
enum class LogFormat { kJson, kText };

std::string_view LogLevelName(LogLevel level);
// "debug", "info", "warn", "error"; nullopt for anything else.
std::optional<LogLevel> ParseLogLevel(std::string_view name);

// Receives complete lines without the trailing newline. Write must be thread-safe.
class LogSink {
 public:
  virtual ~LogSink() = default;
  virtual void Write(std::string_view line) = 0;
};

// Fields of one line, kept in the order they are given.
using LogFields = nlohmann::ordered_json;

class Logger {
 public:
  // A null sink writes to stderr.
  explicit Logger(LogLevel level = LogLevel::kInfo, LogFormat format = LogFormat::kJson,
                  std::shared_ptr<LogSink> sink = nullptr);

  bool Enabled(LogLevel level) const { return level >= level_.load(std::memory_order_relaxed); }
  // Writes one line when `level` is enabled. `fields` must be an object (or null for none).
  void Log(LogLevel level, std::string_view msg, const LogFields& fields = nullptr) const;

  void set_level(LogLevel level) { level_.store(level, std::memory_order_relaxed); }
  void set_format(LogFormat format) { format_.store(format, std::memory_order_relaxed); }
  LogLevel level() const { return level_.load(std::memory_order_relaxed); }

  // The line Log() would write (no newline), for tests.
  std::string Format(LogLevel level, std::string_view msg, const LogFields& fields) const;

 private:
  std::atomic<LogLevel> level_;
  std::atomic<LogFormat> format_;
  std::shared_ptr<spdlog::logger> out_;
};

// The process-wide logger (info, JSON, stderr) that the services log through; a server sets its
// level and format from configuration (log.level, log.format) at start.
Logger& DefaultLogger();

}  // namespace btr
