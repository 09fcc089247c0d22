#include "services/compare/report_csv.h"

#include <map>
#include <string_view>
#include <vector>

namespace btr::compare {
namespace {

using nlohmann::json;

json At(const json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it != j.end() ? *it : json(nullptr);
}

void Row(std::string* out, const std::vector<json>& fields) {
  for (size_t k = 0; k < fields.size(); ++k) {
    if (k) *out += ',';
    *out += CsvField(fields[k]);
  }
  *out += "\r\n";
}

void Header(std::string* out, const std::vector<const char*>& names) {
  std::vector<json> fields(names.begin(), names.end());
  Row(out, fields);
}

}  // namespace

std::string CsvField(const json& value) {
  if (value.is_null()) return "";
  if (value.is_array()) {
    std::string joined;
    for (const json& v : value)
      joined += (joined.empty() ? "" : " ") + (v.is_string() ? v.get<std::string>() : v.dump());
    return CsvField(json(joined));
  }
  if (!value.is_string()) return value.dump();
  const std::string s = value.get<std::string>();
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string quoted = "\"";
  for (char c : s) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

std::string MetricsCsv(const json& report) {
  std::string out;
  Header(&out, {"key", "run", "engine", "canonical", "engine_value", "engine_verdict",
                "engine_note", "baseline", "delta", "rel_delta", "verdict", "note"});
  std::map<std::string, std::string> engines;
  for (const json& run : report.value("runs", json::array())) {
    engines[run.value("label", std::string())] = run.value("engine", std::string());
  }
  const json baseline = At(report, "baseline");
  for (const json& row : report.value("metrics", json::array())) {
    for (const json& v : row.value("values", json::array())) {
      const std::string run = v.value("run", std::string());
      const json vs = At(v, "vs_baseline");
      Row(&out, {At(row, "key"), run, engines[run], At(v, "canonical"), At(v, "engine"),
                 At(v, "engine_verdict"), At(v, "engine_note"), baseline, At(vs, "delta"),
                 At(vs, "rel_delta"), vs.is_null() ? json("baseline") : At(vs, "verdict"),
                 At(vs, "note")});
    }
  }
  return out;
}

std::string TradesCsv(const json& report) {
  std::string out;
  Header(&out, {"a",
                "b",
                "match",
                "side",
                "a_index",
                "b_index",
                "a_entry_time",
                "b_entry_time",
                "entry_bar_delta",
                "a_entry_price",
                "b_entry_price",
                "entry_price_delta",
                "a_exit_time",
                "b_exit_time",
                "exit_bar_delta",
                "a_exit_price",
                "b_exit_price",
                "exit_price_delta",
                "a_size",
                "b_size",
                "size_delta",
                "a_pnl",
                "b_pnl",
                "pnl_delta",
                "a_commission",
                "b_commission",
                "commission_delta",
                "a_entry_fill",
                "b_entry_fill",
                "differs"});
  for (const json& pair : report.value("pairs", json::array())) {
    const json a = At(pair, "a"), b = At(pair, "b");
    const json trades = At(pair, "trades");
    for (const json& r : trades.value("rows", json::array())) {
      const json ta = At(r, "a"), tb = At(r, "b"), d = At(r, "delta");
      Row(&out, {a,
                 b,
                 "paired",
                 At(ta, "side"),
                 At(ta, "index"),
                 At(tb, "index"),
                 At(ta, "entry_time"),
                 At(tb, "entry_time"),
                 At(d, "entry_bar"),
                 At(ta, "entry_price"),
                 At(tb, "entry_price"),
                 At(d, "entry_price"),
                 At(ta, "exit_time"),
                 At(tb, "exit_time"),
                 At(d, "exit_bar"),
                 At(ta, "exit_price"),
                 At(tb, "exit_price"),
                 At(d, "exit_price"),
                 At(ta, "size"),
                 At(tb, "size"),
                 At(d, "size"),
                 At(ta, "pnl"),
                 At(tb, "pnl"),
                 At(d, "pnl"),
                 At(ta, "commission"),
                 At(tb, "commission"),
                 At(d, "commission"),
                 At(At(r, "entry_fill"), "a"),
                 At(At(r, "entry_fill"), "b"),
                 At(d, "differs")});
    }
    for (const char* side : {"unmatched_a", "unmatched_b"}) {
      const bool is_a = std::string_view(side) == "unmatched_a";
      for (const json& t : trades.value(side, json::array())) {
        const json none = nullptr;
        const json& ta = is_a ? t : none;
        const json& tb = is_a ? none : t;
        Row(&out, {a,
                   b,
                   is_a ? "only_a" : "only_b",
                   At(t, "side"),
                   At(ta, "index"),
                   At(tb, "index"),
                   At(ta, "entry_time"),
                   At(tb, "entry_time"),
                   nullptr,
                   At(ta, "entry_price"),
                   At(tb, "entry_price"),
                   nullptr,
                   At(ta, "exit_time"),
                   At(tb, "exit_time"),
                   nullptr,
                   At(ta, "exit_price"),
                   At(tb, "exit_price"),
                   nullptr,
                   At(ta, "size"),
                   At(tb, "size"),
                   nullptr,
                   At(ta, "pnl"),
                   At(tb, "pnl"),
                   nullptr,
                   At(ta, "commission"),
                   At(tb, "commission"),
                   nullptr,
                   nullptr,
                   nullptr,
                   nullptr});
      }
    }
  }
  return out;
}

}  // namespace btr::compare
