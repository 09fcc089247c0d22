// RouteTable: finds the ApiRoute for a method and a request path. Route paths are OpenAPI
// templates ("/v1/backtests/{id}/trades"): a `{name}` segment matches one non-empty segment,
// which becomes the path parameter `name` (as received, not percent-decoded). When several
// templates match a path, the one with more literal segments wins, so "/v1/engines/self"
// would beat "/v1/engines/{name}".
//
// Immutable after construction; Find() is thread-safe. The table refers to the routes it was
// built from, which must outlive it.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "router/http/api.h"

namespace btr {

struct RouteMatch {
  const ApiRoute* route = nullptr;            // null: no route for this method (see below)
  std::map<std::string, std::string> params;  // path parameters of `route`
  // When `route` is null: the methods the path has routes for ("GET, POST"), empty when no
  // template matches the path at all (404 rather than 405).
  std::string allowed;
  // A HEAD request served by the GET route (the reply goes out without its body).
  bool head_as_get = false;
};

class RouteTable {
 public:
  explicit RouteTable(const std::vector<ApiRoute>& routes);

  RouteMatch Find(std::string_view method, std::string_view path) const;

 private:
  struct Entry {
    const ApiRoute* route;
    std::vector<std::string> segments;  // "{id}" kept as is
    int literal_segments;
  };
  bool Matches(const Entry& entry, const std::vector<std::string_view>& segments,
               std::map<std::string, std::string>* params) const;

  std::vector<Entry> entries_;
};

// "/a/b/c" -> {"a", "b", "c"}; empty segments (from "//" or a trailing "/") are kept, so
// "/v1/backtests/" matches no "{id}" template.
std::vector<std::string_view> SplitPath(std::string_view path);

}  // namespace btr
