#include "router/http/http_edge.h"

#include <cctype>

#include "router/http/percent_decode.h"

namespace btr {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t k = 0; k < a.size(); ++k) {
    if (std::tolower(static_cast<unsigned char>(a[k])) !=
        std::tolower(static_cast<unsigned char>(b[k]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

void SplitTarget(std::string_view target, std::string* path, std::string* query) {
  const size_t question = target.find('?');
  *path = std::string(target.substr(0, question));
  *query =
      question == std::string_view::npos ? std::string() : std::string(target.substr(question + 1));
}

std::map<std::string, std::string> ParseQuery(std::string_view query) {
  std::map<std::string, std::string> out;
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (part.empty()) continue;
    const size_t eq = part.find('=');
    const std::string_view value =
        eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1);
    out[PercentDecode(part.substr(0, eq), false)] = PercentDecode(value, false);
  }
  return out;
}

std::string LowerCase(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool HasToken(std::string_view list, std::string_view token) {
  while (!list.empty()) {
    const size_t comma = list.find(',');
    if (EqualsIgnoreCase(Trim(list.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

std::optional<std::string> BearerToken(std::string_view authorization) {
  constexpr std::string_view kScheme = "bearer";
  authorization = Trim(authorization);
  if (authorization.size() <= kScheme.size() + 1 ||
      !EqualsIgnoreCase(authorization.substr(0, kScheme.size()), kScheme) ||
      authorization[kScheme.size()] != ' ') {
    return std::nullopt;
  }
  const std::string_view token = Trim(authorization.substr(kScheme.size()));
  if (token.empty()) return std::nullopt;
  return std::string(token);
}

std::string ByteSizeText(uint64_t bytes) {
  constexpr uint64_t kKiB = 1024, kMiB = kKiB * 1024, kGiB = kMiB * 1024;
  if (bytes >= kGiB && bytes % kGiB == 0) return std::to_string(bytes / kGiB) + " GiB";
  if (bytes >= kMiB && bytes % kMiB == 0) return std::to_string(bytes / kMiB) + " MiB";
  if (bytes >= kKiB && bytes % kKiB == 0) return std::to_string(bytes / kKiB) + " KiB";
  return std::to_string(bytes) + " bytes";
}

ApiReply ReadFailureProblem(ReadFailure failure, const EdgeLimits& limits,
                            std::optional<uint64_t> content_length, const std::string& detail) {
  switch (failure) {
    case ReadFailure::kHeaderTooLarge:
      return ApiReply::Problem(
          Status::InvalidArgument("server.max_header_bytes: the request line and headers are "
                                  "larger than " +
                                  ByteSizeText(limits.max_header_bytes) +
                                  "; send fewer or shorter headers (or raise "
                                  "server.max_header_bytes)"),
          "", 431);
    case ReadFailure::kBodyTooLarge: {
      const std::string announced =
          content_length ? " (Content-Length: " + std::to_string(*content_length) + " bytes)" : "";
      return ApiReply::Problem(
          Status::InvalidArgument("server.max_body_bytes: the request body" + announced +
                                  " is larger than the limit of " +
                                  ByteSizeText(limits.max_body_bytes) +
                                  "; send a smaller body (or raise server.max_body_bytes)"),
          "", 413);
    }
    case ReadFailure::kBadContentLength:
      return ApiReply::Problem(
          Status::InvalidArgument("content-length: expected a whole number of bytes (0 or more)"),
          "", 400);
    case ReadFailure::kMalformed:
      break;
  }
  return ApiReply::Problem(
      Status::InvalidArgument("request: not a valid HTTP/1.1 request (" + detail + ")"), "", 400);
}

}  // namespace btr
