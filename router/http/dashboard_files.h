// The dashboard's static files (the built front end in web/dist, docs/dashboard.md), served by
// HttpServer under /dashboard/ outside the API route table: the files are public (the page logs
// in with an API key the user types; every API call it makes is authenticated by the API), and
// they are not part of the OpenAPI document.
//
// Contract of DashboardFiles(options) — a handler for GET and HEAD requests whose path is
// "/dashboard" or starts with "/dashboard/":
//   - "/dashboard" answers 301 to "/dashboard/".
//   - "/dashboard/config.json" answers `options.runtime_config()` (e.g. the WebSocket port),
//     never cached.
//   - Any other path is percent-decoded and split into segments; a segment that is empty, "." or
//     "..", starts with a dot, or holds '\\' or NUL (or a decoded '/') is refused with 404, so no
//     request reaches outside `options.dir` (symbolic links that leave it are refused too).
//   - An existing regular file is answered with a Content-Type from its extension, an ETag
//     (size and modification time), `Cache-Control: no-cache` (revalidate each time; 304 on a
//     matching If-None-Match) and `X-Content-Type-Options: nosniff`. HTML gets a
//     Content-Security-Policy that allows only the dashboard's own scripts.
//   - A path that names no file and whose last segment has no extension is a page of the
//     single-page app: index.html is answered. A missing file with an extension is 404.
//   - When `options.dir` has no index.html, every page answers 404 with a problem detail that
//     says how to build the front end (web/build).
// Thread-safe: the handler reads the file system only.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "router/http/api.h"

namespace btr {

struct DashboardOptions {
  std::string dir;  // the built front end (web/dist)
  // The body of /dashboard/config.json, computed per request.
  std::function<nlohmann::json()> runtime_config;
};

inline constexpr char kDashboardPrefix[] = "/dashboard";

ApiHandler DashboardFiles(DashboardOptions options);

// The media type served for a file name (by extension; application/octet-stream otherwise).
std::string DashboardContentType(const std::string& file_name);

}  // namespace btr
