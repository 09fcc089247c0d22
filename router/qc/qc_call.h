// The request side of the QuantConnect-compatible API (/api/v2, router/qc/qc_api.h): where a
// call's parameters come from, and QuantConnect's reply envelope.
//
// QuantConnect clients send parameters three ways: lean-cli reads with GET and a query string,
// writes with a JSON body, and projects/update as an application/x-www-form-urlencoded form
// ("files[0][name]=main.py&files[0][content]=..."); LEAN's C# Api posts JSON or forms. QcParams
// takes all three (in a query string '+' is a space, as clients form-encode it). Replies are HTTP
// 200 with {"success": true, ...} or {"success": false, "errors": ["..."]} — QuantConnect's
// envelope; lean-cli reads the first error. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "engines/core/status.h"
#include "router/http/api.h"

namespace btr::qcapi {

class QcParams {
 public:
  // InvalidArgument for a JSON body that is not an object.
  static Result<QcParams> From(const ApiRequest& request);

  // A parameter as text (JSON numbers and bools printed, objects and arrays as JSON).
  std::optional<std::string> Get(const std::string& name) const;
  // InvalidArgument naming `name` when absent or empty.
  Result<std::string> Required(const std::string& name) const;
  // InvalidArgument naming `name` when absent or not an integer.
  Result<int64_t> RequiredInt(const std::string& name) const;
  // A list sent as a form ("name[0][key]=...") or a JSON array of objects: one map per
  // element, in index order. Empty when absent.
  std::vector<std::map<std::string, std::string>> List(const std::string& name) const;
  // A string map sent as a JSON object ({"k": "v"}), a JSON array or a form list of
  // {key, value} objects ("name[0][key]", "name[0][value]"). Empty when absent.
  std::map<std::string, std::string> KeyValues(const std::string& name) const;
  bool Has(const std::string& name) const;

 private:
  std::map<std::string, std::string> flat_;  // query and form fields, and JSON scalars
  nlohmann::ordered_json json_ = nlohmann::ordered_json::object();
};

// {"success": true} merged with `body` (an object).
ApiReply QcOk(nlohmann::ordered_json body = nlohmann::ordered_json::object());
// {"success": false, "errors": [status.message()]}.
ApiReply QcFail(const Status& status);

// QuantConnect's time format, "2026-12-06 12:00:00" (UTC).
std::string QcTime(TimeNs t);

}  // namespace btr::qcapi
