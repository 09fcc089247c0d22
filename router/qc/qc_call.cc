#include "router/qc/qc_call.h"

#include <algorithm>
#include <charconv>

#include "engines/core/time.h"
#include "router/http/percent_decode.h"

namespace btr::qcapi {
namespace {

std::string Text(const nlohmann::ordered_json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "";
  return v.dump();
}

// "files[0][name]" -> ("files", 0, "name"); false for other shapes.
bool SplitListKey(const std::string& key, std::string* list, size_t* index, std::string* field) {
  const size_t open = key.find('[');
  const size_t close = key.find(']', open);
  if (open == std::string::npos || close == std::string::npos) return false;
  *list = key.substr(0, open);
  const std::string number = key.substr(open + 1, close - open - 1);
  const auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), *index);
  if (number.empty() || error != std::errc() || end != number.data() + number.size()) {
    return false;
  }
  const std::string rest = key.substr(close + 1);
  if (rest.size() < 2 || rest.front() != '[' || rest.back() != ']') {
    *field = "";
    return rest.empty();
  }
  *field = rest.substr(1, rest.size() - 2);
  return true;
}

void ParseForm(std::string_view body, std::map<std::string, std::string>* out) {
  size_t start = 0;
  while (start <= body.size()) {
    size_t amp = body.find('&', start);
    if (amp == std::string_view::npos) amp = body.size();
    const std::string_view pair = body.substr(start, amp - start);
    if (!pair.empty()) {
      const size_t eq = pair.find('=');
      const std::string name = PercentDecode(pair.substr(0, eq), true);
      const std::string value =
          eq == std::string_view::npos ? "" : PercentDecode(pair.substr(eq + 1), true);
      (*out)[name] = value;
    }
    start = amp + 1;
  }
}

}  // namespace

Result<QcParams> QcParams::From(const ApiRequest& request) {
  QcParams params;
  // Clients form-encode query strings ("name=Strategy+Equity"); the server has already decoded
  // %XX but kept '+', so '+' here is a space (a literal '+' sent as %2B reads as one too).
  for (const auto& [name, value] : request.query) {
    std::string text = value;
    std::replace(text.begin(), text.end(), '+', ' ');
    params.flat_[name] = std::move(text);
  }
  const std::string type = request.Header("content-type").value_or("");
  const bool form = type.find("application/x-www-form-urlencoded") != std::string::npos;
  if (form) {
    ParseForm(request.body, &params.flat_);
  } else if (!request.body.empty()) {
    nlohmann::ordered_json body = nlohmann::ordered_json::parse(request.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
      return Status::InvalidArgument("body: expected a JSON object or a form");
    }
    for (const auto& [name, value] : body.items()) params.flat_[name] = Text(value);
    params.json_ = std::move(body);
  }
  return params;
}

std::optional<std::string> QcParams::Get(const std::string& name) const {
  auto it = flat_.find(name);
  if (it == flat_.end()) return std::nullopt;
  return it->second;
}

bool QcParams::Has(const std::string& name) const {
  if (flat_.count(name) != 0) return true;
  const std::string prefix = name + "[";
  auto it = flat_.lower_bound(prefix);
  return it != flat_.end() && it->first.compare(0, prefix.size(), prefix) == 0;
}

Result<std::string> QcParams::Required(const std::string& name) const {
  std::optional<std::string> value = Get(name);
  if (!value || value->empty()) return Status::InvalidArgument(name + ": required");
  return *value;
}

Result<int64_t> QcParams::RequiredInt(const std::string& name) const {
  Result<std::string> text = Required(name);
  if (!text.ok()) return text.status();
  int64_t value = 0;
  const auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (error != std::errc() || end != text->data() + text->size()) {
    return Status::InvalidArgument(name + ": expected an integer, got '" + *text + "'");
  }
  return value;
}

std::vector<std::map<std::string, std::string>> QcParams::List(const std::string& name) const {
  std::vector<std::map<std::string, std::string>> out;
  if (json_.contains(name) && json_[name].is_array()) {
    for (const nlohmann::ordered_json& item : json_[name]) {
      std::map<std::string, std::string> fields;
      if (item.is_object()) {
        for (const auto& [k, v] : item.items()) fields[k] = Text(v);
      } else {
        fields[""] = Text(item);
      }
      out.push_back(std::move(fields));
    }
    return out;
  }
  std::map<size_t, std::map<std::string, std::string>> by_index;
  for (const auto& [key, value] : flat_) {
    std::string list, field;
    size_t index = 0;
    if (SplitListKey(key, &list, &index, &field) && list == name) by_index[index][field] = value;
  }
  for (auto& [index, fields] : by_index) out.push_back(std::move(fields));
  return out;
}

std::map<std::string, std::string> QcParams::KeyValues(const std::string& name) const {
  std::map<std::string, std::string> out;
  if (json_.contains(name) && json_[name].is_object()) {
    for (const auto& [k, v] : json_[name].items()) out[k] = Text(v);
    return out;
  }
  for (const auto& item : List(name)) {
    auto key = item.find("key");
    auto value = item.find("value");
    if (key != item.end()) out[key->second] = value != item.end() ? value->second : "";
  }
  return out;
}

namespace {

// 200 with `body` as JSON, keys in insertion order (QuantConnect's statistics order).
ApiReply QcReply(const nlohmann::ordered_json& body) {
  ApiReply reply;
  reply.body = body.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  return reply;
}

}  // namespace

ApiReply QcOk(nlohmann::ordered_json body) {
  body["success"] = true;
  if (!body.contains("errors")) body["errors"] = nlohmann::ordered_json::array();
  return QcReply(body);
}

ApiReply QcFail(const Status& status) {
  return QcReply({{"success", false}, {"errors", {status.message()}}});
}

std::string QcTime(TimeNs t) {
  std::string iso = FormatIsoTime(t, false);  // "2026-12-06T12:00:00[.fff]"
  if (iso.size() >= 19) iso = iso.substr(0, 19);
  if (iso.size() > 10 && iso[10] == 'T') iso[10] = ' ';
  return iso;
}

}  // namespace btr::qcapi
