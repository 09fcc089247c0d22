// Helpers shared by the route handlers (internal to router/http).
#pragma once

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <optional>
#include <string>

#include "router/http/api.h"
#include "router/http/handlers.h"
#include "router/http/openapi.h"

namespace btr::route_util {

// ?limit= within [1, max], default `def`; InvalidArgument naming "limit" otherwise.
inline Result<size_t> PageLimit(const ApiRequest& req, const ApiLimits& limits) {
  const std::optional<std::string> text = req.Query("limit");
  if (!text) return limits.page_size_default;
  size_t value = 0;
  auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || ptr != text->data() + text->size() || value < 1 ||
      value > limits.page_size_max) {
    return Status::InvalidArgument("limit: expected a whole number in [1, " +
                                   std::to_string(limits.page_size_max) + "], got '" + *text + "'");
  }
  return value;
}

// ?cursor= as an offset for paged arrays ("" = 0).
inline Result<size_t> OffsetCursor(const ApiRequest& req) {
  const std::optional<std::string> text = req.Query("cursor");
  if (!text || text->empty()) return size_t{0};
  size_t value = 0;
  auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || ptr != text->data() + text->size()) {
    return Status::InvalidArgument("cursor: not a cursor from this API: '" + *text + "'");
  }
  return value;
}

// ?wait=SECONDS of a long-poll read: nullopt without one; the wait, clamped to
// limits.long_poll_max; InvalidArgument naming "wait" for anything but a finite number >= 0.
inline Result<std::optional<std::chrono::milliseconds>> LongPollWait(const ApiRequest& req,
                                                                     const ApiLimits& limits) {
  const std::optional<std::string> text = req.Query("wait");
  if (!text) return std::optional<std::chrono::milliseconds>();
  double seconds = -1;
  try {
    seconds = std::stod(*text);
  } catch (...) {
    seconds = -1;
  }
  if (!(seconds >= 0) || !std::isfinite(seconds)) {
    return Status::InvalidArgument("wait: expected seconds >= 0, got '" + *text + "'");
  }
  const double capped = std::min(seconds, static_cast<double>(limits.long_poll_max.count()));
  return std::optional<std::chrono::milliseconds>(
      std::chrono::milliseconds(static_cast<int64_t>(capped * 1000)));
}

// The OpenAPI declarations of the parameters parsed above.
inline ApiParam LimitParam(const ApiLimits& limits) {
  return {.name = "limit",
          .description = "Items per page",
          .schema = {{"type", "integer"},
                     {"minimum", 1},
                     {"maximum", limits.page_size_max},
                     {"default", limits.page_size_default}}};
}

inline ApiParam CursorParam() {
  return {.name = "cursor",
          .description = "The next_cursor of the previous page; absent: the first page"};
}

inline ApiParam WaitParam(const ApiLimits& limits) {
  return {.name = "wait",
          .description =
              "Long-poll: answer when the resource changes or after this many "
              "seconds (at most " +
              std::to_string(limits.long_poll_max.count()) + "); absent: answer at once",
          .schema = {{"type", "number"}, {"minimum", 0}}};
}

inline ApiReply Problem(const Status& s, const ApiRequest& req) {
  return ApiReply::Problem(s, req.path);
}

}  // namespace btr::route_util
