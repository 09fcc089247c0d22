#include "cli/client_util.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <utility>

#include "engines/catalogue/params.h"
#include "engines/core/time.h"
#include "engines/spec_window.h"

namespace btr::cli {
namespace {

constexpr const char* kDefaultUrl = "http://127.0.0.1:8080";

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "" : value;
}

}  // namespace

int ClientExitCode(const Status& s) {
  switch (s.code()) {
    case StatusCode::kUnavailable:
    case StatusCode::kDeadlineExceeded:
    case StatusCode::kUnknownOutcome:
    case StatusCode::kCancelled:
    case StatusCode::kInternal:
      return 1;
    default:
      return 2;
  }
}

int ClientFail(std::string_view command, const Status& s) {
  std::fprintf(stderr, "btrouter %.*s: %s\n", static_cast<int>(command.size()), command.data(),
               s.message().c_str());
  return ClientExitCode(s);
}

int ClientFinish(std::string_view command, const Result<int>& outcome) {
  return outcome.ok() ? *outcome : ClientFail(command, outcome.status());
}

void DeclareServerFlags(Flags& f) {
  f.AddValue("url", "URL",
             "server address (default $BTR_URL, else " + std::string(kDefaultUrl) + ")");
  f.AddValue("key", "KEY", "API key (default $BTR_API_KEY)");
  f.AddSwitch("help", "show this help");
}

int ParseOrStop(Flags& f, int argc, char** argv, std::string_view command, const char* usage) {
  if (Status s = f.Parse(argc, argv, 1); !s.ok()) return ClientFail(command, s);
  if (f.Has("help")) {
    std::printf(
        "%s\nServer flags may come from the environment: BTR_URL, BTR_API_KEY (flags win).\n\n%s",
        usage, f.Usage().c_str());
    return 0;
  }
  return -1;
}

Result<ApiClient> Connect(const Flags& f) {
  std::string url = f.Has("url") ? f.Get("url") : Env("BTR_URL");
  if (url.empty()) url = kDefaultUrl;
  const std::string key = f.Has("key") ? f.Get("key") : Env("BTR_API_KEY");
  if (key.empty()) {
    return Status::InvalidArgument(
        "no API key: pass --key KEY or set BTR_API_KEY (`btrouter serve` prints the admin key on "
        "first start; `btrouter keys create --tenant NAME` makes more)");
  }
  return ApiClient(url, key);
}

Result<bool> WantJson(const Flags& f) {
  const std::string format = f.Get("format");
  if (format != "table" && format != "json") {
    return Status::InvalidArgument("--format: expected table or json, got '" + format + "'");
  }
  return format == "json";
}

Result<ApiResponse> Expect2xx(Result<ApiResponse> reply) {
  if (!reply.ok()) return reply.status();
  if (!reply->ok()) return ProblemStatus(*reply);
  return reply;
}

Result<nlohmann::json> JsonBody(const ApiResponse& reply) {
  nlohmann::json doc = reply.Json();
  if (doc.is_discarded()) {
    return Status::Internal("unexpected reply from the server (HTTP " + std::to_string(reply.code) +
                            ", not JSON)");
  }
  return doc;
}

std::string HumanTime(const std::string& iso) {
  const std::optional<TimeNs> t = ParseIsoTime(iso);
  if (!t) return iso;
  return FormatCsvTime(*t);
}

void PrintBody(const std::string& body) {
  std::fwrite(body.data(), 1, body.size(), stdout);
  if (body.empty() || body.back() != '\n') std::fputc('\n', stdout);
}

std::string ErrorSummary(const nlohmann::json& job) {
  auto it = job.find("error");
  if (it == job.end() || !it->is_object()) return "";
  const std::string code = it->value("code", ""), message = it->value("message", "");
  const bool said = code.empty() || code == job.value("status", "") || message.rfind(code, 0) == 0;
  return said ? message : code + ": " + message;
}

Result<nlohmann::json> TypedValue(const std::string& what, std::string_view text) {
  if (text == "true") return nlohmann::json(true);
  if (text == "false") return nlohmann::json(false);
  const char* end = text.data() + text.size();
  long long whole = 0;
  if (auto [p, ec] = std::from_chars(text.data(), end, whole); ec == std::errc() && p == end) {
    return nlohmann::json(whole);
  }
  double number = 0;
  if (auto [p, ec] = std::from_chars(text.data(), end, number);
      !text.empty() && ec == std::errc() && p == end && std::isfinite(number)) {
    return nlohmann::json(number);
  }
  return Status::InvalidArgument(what + ": expected a number or true/false, got '" +
                                 std::string(text) + "'");
}

void DeclareSettingFlags(Flags& f) {
  f.AddValue("cash", "X", "initial cash (server default 10000)");
  f.AddValue("commission", "RATE", "commission as a fraction of traded value");
  f.AddValue("commission-fixed", "X", "fixed commission in cash per order");
  f.AddValue("spread", "RATE", "bid-ask spread as a fraction of price");
  f.AddValue("margin", "RATIO", "margin requirement in (0, 1]; 1/margin = leverage");
  f.AddSwitch("trade-on-close", "fill market orders at the signal bar's close");
  f.AddSwitch("exclusive-orders", "each new order closes open trades and cancels orders");
  f.AddSwitch("hedging", "allow long and short trades at the same time");
  f.AddSwitch("finalize-trades", "close trades still open at the end (at the last open)");
  f.AddValue("start", "TIME", "run from this bar time: 2015-01-01 or 2015-01-01T09:30:00Z");
  f.AddValue("end", "TIME", "run to this bar time, inclusive (a date: its whole day)");
}

std::string UploadContentType(const std::string& path) {
  std::string ext = path.size() >= 4 ? path.substr(path.size() - 4) : "";
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext == ".zip" ? "application/zip" : "text/csv";
}

Result<nlohmann::json> SpecBodyFromFlags(const Flags& f, const std::string& dataset) {
  nlohmann::json params = nlohmann::json::object();
  for (const std::string& assignment : f.GetAll("param")) {
    std::string_view name, value;
    BTR_RETURN_IF_ERROR(SplitAssignment(assignment, &name, &value).WithPrefix("--param"));
    Result<nlohmann::json> typed = TypedValue("--param " + std::string(name), value);
    if (!typed.ok()) return typed.status();
    params[std::string(name)] = *typed;
  }
  nlohmann::json body = {{"strategy", {{"name", f.Get("strategy")}, {"params", params}}},
                         {"dataset", dataset}};
  // Flag names are the spec's field names with '-' for '_'.
  auto field = [](std::string flag) {
    for (char& c : flag) c = c == '-' ? '_' : c;
    return flag;
  };
  for (const char* flag : {"cash", "commission", "commission-fixed", "spread", "margin"}) {
    if (!f.Has(flag)) continue;
    double value = 0;
    BTR_RETURN_IF_ERROR(f.GetDouble(flag, &value));
    body[field(flag)] = value;
  }
  for (const char* flag : {"trade-on-close", "exclusive-orders", "hedging", "finalize-trades"}) {
    if (f.Has(flag)) body[field(flag)] = true;
  }
  // The window, checked here so that its errors name the flags.
  BacktestSpec window;
  for (auto [flag, out] : {std::pair{"start", &window.start}, std::pair{"end", &window.end}}) {
    if (!f.Has(flag)) continue;
    Result<std::string> bound = NormalizeWindowBound(flag, f.Get(flag));
    if (!bound.ok()) return AsFlagError(bound.status());
    *out = std::move(bound).value();
    body[flag] = *out;
  }
  BTR_RETURN_IF_ERROR(AsFlagError(SpecWindow(window).status()));
  return body;
}

}  // namespace btr::cli
