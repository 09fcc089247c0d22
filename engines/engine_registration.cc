#include "engines/engine_registration.h"

#include <cctype>

namespace btr {

std::string EnableHint(const EngineRegistration& registration) {
  std::string env(registration.name);
  for (char& c : env) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const std::string name(registration.name);
  std::string hint =
      "set engines." + name + ".enabled = true (BTR__ENGINES__" + env + "__ENABLED=true)";
  const std::string& more = registration.enable_hint;
  if (!more.empty()) hint += (more.front() == ';' || more.front() == ',' ? "" : " ") + more;
  return hint;
}

}  // namespace btr
