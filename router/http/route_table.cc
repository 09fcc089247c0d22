#include "router/http/route_table.h"

#include <set>

namespace btr {
namespace {

bool IsParam(const std::string& segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

}  // namespace

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> out;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  while (true) {
    const size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

RouteTable::RouteTable(const std::vector<ApiRoute>& routes) {
  entries_.reserve(routes.size());
  for (const ApiRoute& route : routes) {
    Entry entry{&route, {}, 0};
    for (std::string_view segment : SplitPath(route.path)) {
      entry.segments.emplace_back(segment);
      if (!IsParam(entry.segments.back())) ++entry.literal_segments;
    }
    entries_.push_back(std::move(entry));
  }
}

bool RouteTable::Matches(const Entry& entry, const std::vector<std::string_view>& segments,
                         std::map<std::string, std::string>* params) const {
  if (entry.segments.size() != segments.size()) return false;
  for (size_t k = 0; k < segments.size(); ++k) {
    const std::string& pattern = entry.segments[k];
    if (IsParam(pattern)) {
      if (segments[k].empty()) return false;
      if (params) (*params)[pattern.substr(1, pattern.size() - 2)] = std::string(segments[k]);
    } else if (pattern != segments[k]) {
      return false;
    }
  }
  return true;
}

RouteMatch RouteTable::Find(std::string_view method, std::string_view path) const {
  const std::vector<std::string_view> segments = SplitPath(path);
  RouteMatch match;
  const Entry* best = nullptr;
  const Entry* best_get = nullptr;
  std::set<std::string> allowed;
  for (const Entry& entry : entries_) {
    if (!Matches(entry, segments, nullptr)) continue;
    allowed.insert(entry.route->method);
    if (entry.route->method == method) {
      if (!best || entry.literal_segments > best->literal_segments) best = &entry;
    } else if (method == "HEAD" && entry.route->method == "GET") {
      if (!best_get || entry.literal_segments > best_get->literal_segments) best_get = &entry;
    }
  }
  if (!best && best_get) {
    best = best_get;
    match.head_as_get = true;
  }
  if (best) {
    match.route = best->route;
    Matches(*best, segments, &match.params);
    return match;
  }
  for (const std::string& m : allowed) match.allowed += (match.allowed.empty() ? "" : ", ") + m;
  return match;
}

}  // namespace btr
