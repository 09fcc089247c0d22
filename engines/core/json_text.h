// Parsing JSON text that comes from outside the process: request bodies, engine answers, result
// files, stored documents.
//
// nlohmann::json parses iteratively, but copying, comparing and dumping a value recurse once per
// level of nesting, so a small document such as a 1 MiB run of '[' parses fine and overflows the
// stack later, wherever the value is copied or quoted in a message. ParseJson refuses such a
// document before parsing it: nothing btrouter reads nests deeper than a few levels.
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string_view>

namespace btr {

// The deepest nesting ParseJson accepts: arrays and objects inside one another, the outermost
// counting 1.
inline constexpr size_t kMaxJsonDepth = 128;

// The deepest nesting of arrays and objects in `text`, not counting brackets inside strings;
// the scan stops once the depth passes `limit` (the result is then limit + 1). Linear in the
// text and meaningful for valid JSON only (it does not check the syntax).
size_t JsonNestingDepth(std::string_view text, size_t limit = kMaxJsonDepth);

// The JSON value of `text`; a discarded value (is_discarded()) when `text` is not JSON or nests
// deeper than `max_depth`. Never throws.
nlohmann::json ParseJson(std::string_view text, size_t max_depth = kMaxJsonDepth);

}  // namespace btr
