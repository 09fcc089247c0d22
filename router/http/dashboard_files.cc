#include "router/http/dashboard_files.h"

#include <sys/stat.h>

#include <climits>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <utility>
#include <vector>

#include "router/http/percent_decode.h"

namespace btr {

namespace {

constexpr char kCsp[] =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self' ws: wss:; frame-src 'self' blob:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

ApiReply NotFound(const std::string& path, const std::string& why) {
  return ApiReply::Problem(Status::NotFound("path: " + why), path);
}

// The segments of `rest` (the path after "/dashboard/"), decoded; nullopt for an unsafe path.
std::optional<std::vector<std::string>> SafeSegments(const std::string& rest) {
  std::vector<std::string> segments;
  std::string current;
  auto finish = [&]() -> bool {
    if (current.empty() || current[0] == '.') return false;  // "", ".", "..", hidden files
    segments.push_back(std::move(current));
    current.clear();
    return true;
  };
  for (size_t k = 0; k < rest.size(); ++k) {
    char c = rest[k];
    if (c == '/') {
      if (!finish()) return std::nullopt;
      continue;
    }
    if (c == '%') {
      if (k + 2 >= rest.size()) return std::nullopt;
      const int hi = HexDigitValue(rest[k + 1]), lo = HexDigitValue(rest[k + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      c = static_cast<char>(hi * 16 + lo);
      k += 2;
      if (c == '/') return std::nullopt;  // an encoded separator is never a file name
    }
    if (c == '\\' || c == '\0') return std::nullopt;
    current += c;
  }
  if (!current.empty() && !finish()) return std::nullopt;
  return segments;
}

// The canonical form of `path` (symbolic links resolved), or "" when it does not exist.
std::string RealPath(const std::string& path) {
  char buffer[PATH_MAX];
  return realpath(path.c_str(), buffer) != nullptr ? std::string(buffer) : std::string();
}

bool IsRegularFile(const std::string& path, struct stat* st) {
  return stat(path.c_str(), st) == 0 && S_ISREG(st->st_mode);
}

Result<std::string> ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("path: cannot open " + path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace

std::string DashboardContentType(const std::string& file_name) {
  static const std::pair<const char*, const char*> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
  };
  const size_t dot = file_name.rfind('.');
  if (dot != std::string::npos) {
    const std::string ext = file_name.substr(dot);
    for (const auto& [suffix, type] : kTypes) {
      if (ext == suffix) return type;
    }
  }
  return "application/octet-stream";
}

ApiHandler DashboardFiles(DashboardOptions options) {
  return [options = std::move(options)](const ApiRequest& request) -> ApiReply {
    const std::string prefix = kDashboardPrefix;
    const std::string& path = request.path;
    if (path == prefix) {
      ApiReply reply;
      reply.code = 301;
      reply.content_type = "text/plain; charset=utf-8";
      reply.body = "see /dashboard/\n";
      reply.headers.emplace_back("Location", prefix + "/");
      return reply;
    }
    if (path.rfind(prefix + "/", 0) != 0) return NotFound(path, "not a dashboard path");
    const std::string rest = path.substr(prefix.size() + 1);
    if (rest == "config.json") {
      ApiReply reply = ApiReply::Json(
          200, options.runtime_config ? options.runtime_config() : nlohmann::json::object());
      reply.headers.emplace_back("Cache-Control", "no-store");
      return reply;
    }
    const std::string root = RealPath(options.dir);
    struct stat st {};
    if (root.empty() || !IsRegularFile(root + "/index.html", &st)) {
      return NotFound(path,
                      "the dashboard is not built: run web/build (scripts/setup does), or "
                      "set server.dashboard_dir to the folder holding its index.html (now '" +
                          options.dir + "')");
    }
    std::optional<std::vector<std::string>> segments = SafeSegments(rest);
    if (!segments) return NotFound(path, "no dashboard file " + path);
    std::string file = root;
    for (const std::string& segment : *segments) file += "/" + segment;
    std::string name = segments->empty() ? "index.html" : segments->back();
    if (segments->empty() || !IsRegularFile(file, &st)) {
      if (!segments->empty() && name.find('.') != std::string::npos) {
        return NotFound(path, "no dashboard file " + path);
      }
      file = root + "/index.html";  // a page of the single-page app
      name = "index.html";
      if (!IsRegularFile(file, &st)) return NotFound(path, "no dashboard index.html");
    }
    const std::string real = RealPath(file);
    if (real.empty() || real.rfind(root + "/", 0) != 0) {
      return NotFound(path, "no dashboard file " + path);
    }
    const std::string etag = "\"" + std::to_string(static_cast<long long>(st.st_size)) + "-" +
                             std::to_string(static_cast<long long>(st.st_mtim.tv_sec)) + "." +
                             std::to_string(static_cast<long long>(st.st_mtim.tv_nsec)) + "\"";
    ApiReply reply;
    reply.content_type = DashboardContentType(name);
    reply.headers.emplace_back("Cache-Control", "no-cache");
    reply.headers.emplace_back("ETag", etag);
    reply.headers.emplace_back("X-Content-Type-Options", "nosniff");
    if (name.size() > 5 && name.compare(name.size() - 5, 5, ".html") == 0) {
      reply.headers.emplace_back("Content-Security-Policy", kCsp);
      reply.headers.emplace_back("Referrer-Policy", "no-referrer");
    }
    if (std::optional<std::string> match = request.Header("if-none-match");
        match && *match == etag) {
      reply.code = 304;
      return reply;
    }
    Result<std::string> body = ReadAll(real);
    if (!body.ok()) return NotFound(path, "no dashboard file " + path);
    reply.body = std::move(body).value();
    return reply;
  };
}

}  // namespace btr
