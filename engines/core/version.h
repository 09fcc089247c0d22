// btrouter's version, as `btrouter version` prints it and workers report it.
#pragma once

namespace btr {

inline constexpr const char* kBtrouterVersion = "0.2.0";

}  // namespace btr
