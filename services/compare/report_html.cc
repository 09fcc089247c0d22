#include "services/compare/report_html.h"

#include <cmath>
#include <map>
#include <vector>

#include "services/compare/report_format.h"
#include "services/compare/report_html_parts.h"

namespace btr::compare {

namespace html {

nlohmann::json At(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it != j.end() ? *it : nlohmann::json(nullptr);
}

std::string Str(const nlohmann::json& j) {
  if (j.is_string()) return j.get<std::string>();
  if (j.is_null()) return "";
  return j.dump();
}

std::string Attr(const std::string& name, const std::string& value) {
  return " " + name + "=\"" + HtmlEscape(value) + "\"";
}

}  // namespace html

namespace {

using html::At;
using html::Attr;
using html::Str;
using nlohmann::json;

// A cell holding a JSON value: its exact text in data-value, the value formatted for its
// unit shown (FormatValue, or FormatDelta for a difference). `title` (the hover text)
// defaults to the exact value.
std::string ValueCell(const json& v, Unit unit, const std::string& extra_attrs = "",
                      const std::string& css = "", const std::string& title = "",
                      bool delta = false) {
  const std::string exact = v.is_string() ? v.get<std::string>() : v.dump();
  const std::string shown = delta ? FormatDelta(v, unit) : FormatValue(v, unit);
  return "<td class=\"num" + (css.empty() ? "" : " " + css) + "\"" + Attr("data-value", exact) +
         Attr("title", title.empty() ? exact : title) + extra_attrs + ">" + HtmlEscape(shown) +
         "</td>";
}

std::string DeltaCell(const json& v, Unit unit, const std::string& extra_attrs = "",
                      const std::string& css = "") {
  return ValueCell(v, unit, extra_attrs, css, "", true);
}

std::string TextCell(const std::string& text, const std::string& extra_attrs = "") {
  return "<td" + extra_attrs + ">" + HtmlEscape(text) + "</td>";
}

// ["lean_local","qc_cloud"] -> "lean_local, qc_cloud".
std::string EngineList(const json& names) {
  std::string text;
  for (const json& name : names) text += (text.empty() ? "" : ", ") + Str(name);
  return text;
}

void Header(std::string* out, const json& report) {
  const json request = At(At(report, "inputs"), "request");
  const json strategy = At(request, "strategy");
  std::string strategy_text =
      strategy.is_string() ? strategy.get<std::string>() : Str(At(strategy, "name"));
  if (strategy.is_object() && At(strategy, "params").is_object() && !strategy["params"].empty()) {
    strategy_text += " " + strategy["params"].dump();
  }
  *out += "<header><h1>Engine comparison " + HtmlEscape(Str(At(report, "id"))) + "</h1><dl>";
  auto item = [&](const std::string& k, const std::string& v) {
    *out += "<dt>" + HtmlEscape(k) + "</dt><dd>" + HtmlEscape(v) + "</dd>";
  };
  item("created", FormatValue(At(report, "created_at"), Unit::kTime));
  item("strategy", strategy_text);
  item("baseline",
       At(report, "baseline").is_null() ? "none (no run succeeded)" : Str(At(report, "baseline")));
  for (const json& d : At(At(report, "inputs"), "datasets")) {
    item("dataset", Str(At(d, "id")) + ": " + FormatValue(At(d, "bars"), Unit::kCount) +
                        " bars, sha256 " + Str(At(d, "sha256")));
  }
  const json tol = At(report, "tolerances");
  item("tolerances", "exact rel " + Str(At(At(tol, "exact"), "rel")) + " abs " +
                         Str(At(At(tol, "exact"), "abs")) + "; rounded engines " +
                         EngineList(At(tol, "rounded_engines")) + ": rel " +
                         Str(At(At(tol, "rounded"), "rel")) + " abs " +
                         Str(At(At(tol, "rounded"), "abs")) + "; trade match window " +
                         Str(At(tol, "match_window_bars")) + " bar(s)");
  *out += "</dl></header>\n";
}

void Runs(std::string* out, const json& report) {
  *out +=
      "<section><h2>Runs</h2><div class=\"scroll\"><table id=\"runs\"><thead><tr><th>run</th>"
      "<th>engine</th><th>status</th><th>backtest</th><th>engine used</th>"
      "<th>engine version</th><th>dataset sha256</th><th>bars</th><th>trades</th>"
      "<th>open</th><th>run time</th><th>error</th></tr></thead><tbody>\n";
  for (const json& run : At(report, "runs")) {
    const std::string label = Str(At(run, "label"));
    const json dataset = At(run, "dataset");
    const json error = At(run, "error");
    const std::string sha = Str(At(dataset, "sha256"));
    *out +=
        "<tr" + Attr("data-run", label) + Attr("data-status", Str(At(run, "status"))) + ">" +
        TextCell(label) + TextCell(Str(At(run, "engine"))) +
        TextCell(Str(At(run, "status")),
                 " class=\"status-" + HtmlEscape(Str(At(run, "status"))) + "\"") +
        TextCell(Str(At(run, "backtest_id"))) + TextCell(Str(At(run, "engine_used"))) +
        TextCell(Str(At(run, "engine_version"))) + TextCell(sha.substr(0, 16), Attr("title", sha)) +
        ValueCell(At(dataset, "bars"), Unit::kCount) + ValueCell(At(run, "trades"), Unit::kCount) +
        ValueCell(At(run, "open_trades"), Unit::kCount) +
        ValueCell(At(run, "run_seconds"), Unit::kSeconds) +
        TextCell(error.is_object() ? Str(At(error, "code")) + ": " + Str(At(error, "message"))
                                   : "") +
        "</tr>\n";
  }
  *out += "</tbody></table></div></section>\n";
}

void Explanations(std::string* out, const json& report) {
  *out += "<section><h2>Why they differ</h2><ul id=\"explanations\">\n";
  for (const json& e : At(report, "explanations")) {
    const json pair = At(e, "pair"), run = At(e, "run");
    const std::string scope = pair.is_string() ? Str(pair) : Str(run);
    *out += "<li" + Attr("data-cause", Str(At(e, "cause"))) +
            (pair.is_string() ? Attr("data-pair", Str(pair)) : Attr("data-run", Str(run))) +
            "><span class=\"scope\">" + HtmlEscape(scope) + "</span> " +
            HtmlEscape(Str(At(e, "text"))) + "</li>\n";
  }
  *out += "</ul></section>\n";
}

void Metrics(std::string* out, const json& report) {
  std::vector<std::string> labels;
  for (const json& run : At(report, "runs")) {
    if (Str(At(run, "status")) == "succeeded") labels.push_back(Str(At(run, "label")));
  }
  *out +=
      "<section><h2>Metrics</h2><p class=\"note\">canonical: recomputed by btrouter from "
      "each run's equity and trades (docs/metrics.md); engine: the engine's own number "
      "where it means the same; Δ: against the baseline (percentage points, pp, for "
      "percentages). Hover a metric for its key, a number for its exact value.</p>"
      "<div class=\"scroll\"><table id=\"metrics\"><thead><tr><th>metric</th>";
  for (size_t k = 0; k < labels.size(); ++k) {
    *out += "<th>" + HtmlEscape(labels[k]) + "</th><th>" + HtmlEscape(labels[k]) + " (engine)</th>";
    if (k > 0) *out += "<th>Δ " + HtmlEscape(labels[k]) + "</th>";
  }
  *out += "<th>verdict</th></tr></thead><tbody>\n";
  for (const json& row : At(report, "metrics")) {
    const std::string key = Str(At(row, "key"));
    const KeyFormat format = FormatOfKey(key);
    *out += "<tr" + Attr("data-key", key) + ">" +
            TextCell(format.label, " class=\"metric\"" + Attr("title", key));
    for (const json& v : At(row, "values")) {
      const std::string run = Str(At(v, "run"));
      const std::string run_attr = Attr("data-run", run);
      *out +=
          ValueCell(At(v, "canonical"), format.unit, run_attr + Attr("data-field", "canonical"));
      const std::string own = Str(At(v, "engine_verdict"));
      const std::string note = Str(At(v, "engine_note"));
      *out += ValueCell(At(v, "engine"), format.unit,
                        run_attr + Attr("data-field", "engine") + Attr("data-verdict", own) +
                            Attr("data-note", note),
                        own.empty() ? "" : "v-" + own, note.empty() ? "" : own + ": " + note);
      const json vs = At(v, "vs_baseline");
      if (!vs.is_null()) {
        const std::string verdict = Str(At(vs, "verdict"));
        *out += DeltaCell(At(vs, "delta"), format.unit,
                          run_attr + Attr("data-field", "delta") + Attr("data-verdict", verdict) +
                              Attr("data-note", Str(At(vs, "note"))),
                          "v-" + verdict);
      }
    }
    const std::string verdict = Str(At(row, "verdict"));
    *out += TextCell(verdict, " class=\"v-" + HtmlEscape(verdict) + "\"") + "</tr>\n";
  }
  *out += "</tbody></table></div></section>\n";
}

// The conventions behind each run's numbers: btrouter's canonical ones (annualization, sampling,
// risk-free rate, resolution, definition) and the engine's own, topic by topic.
void Conventions(std::string* out, const json& report) {
  std::vector<json> runs;
  for (const json& run : At(report, "runs")) {
    if (At(run, "conventions").is_object()) runs.push_back(run);
  }
  if (runs.empty()) return;
  *out +=
      "<section><h2>Conventions</h2><p class=\"note\">How each number was computed: btrouter's "
      "canonical definitions (the same for every run) and each engine's own, as the engine "
      "adapter states them.</p><div class=\"scroll\"><table id=\"conventions\"><thead><tr>"
      "<th>convention</th>";
  for (const json& run : runs) *out += "<th>" + HtmlEscape(Str(At(run, "label"))) + "</th>";
  *out += "</tr></thead><tbody>\n";
  for (const char* scope : {"canonical", "engine"}) {
    std::map<std::string, int> topics;
    for (const json& run : runs) {
      const json c = At(At(run, "conventions"), scope);
      if (c.is_object()) {
        for (const auto& [topic, value] : c.items()) topics[topic] = 0;
      }
    }
    for (const auto& [topic, unused] : topics) {
      const KeyFormat format = FormatOfKey(topic);
      *out += "<tr" + Attr("data-scope", scope) + Attr("data-topic", topic) + "><th" +
              Attr("title", topic) + ">" +
              HtmlEscape(std::string(scope == std::string("canonical") ? "btrouter" : "engine") +
                         ": " + format.label) +
              "</th>";
      for (const json& run : runs) {
        const json v = At(At(At(run, "conventions"), scope), topic.c_str());
        *out += TextCell(FormatValue(v, format.unit), Attr("data-run", Str(At(run, "label"))));
      }
      *out += "</tr>\n";
    }
  }
  *out += "</tbody></table></div></section>\n";
}

// A row of the pair summary: its label, its value and how the value is shown.
struct SummaryRow {
  std::string name;
  json value;
  Unit unit;
};

void Pair(std::string* out, const json& pair) {
  const std::string a = Str(At(pair, "a")), b = Str(At(pair, "b"));
  const json trades = At(pair, "trades"), equity = At(pair, "equity");
  const json verdicts = At(pair, "verdicts"), first = At(pair, "first_divergence");
  *out += "<section class=\"pair\"" + Attr("data-a", a) + Attr("data-b", b) + "><h2>" +
          HtmlEscape(b + " vs " + a) + "</h2><table class=\"pair-summary\"><tbody>\n";
  const std::vector<SummaryRow> rows = {
      {"metrics agree", At(verdicts, "agree"), Unit::kCount},
      {"metrics differ", At(verdicts, "differ"), Unit::kCount},
      {"metrics not comparable", At(verdicts, "not_comparable"), Unit::kCount},
      {"trades paired", At(trades, "paired"), Unit::kCount},
      {"trades identical", At(trades, "identical"), Unit::kCount},
      {"trades only in " + a, At(trades, "only_a"), Unit::kCount},
      {"trades only in " + b, At(trades, "only_b"), Unit::kCount},
      {"first divergence bar", At(first, "bar"), Unit::kCount},
      {"first divergence time", At(first, "time"), Unit::kTime},
      {"equity correlation", At(equity, "correlation"), Unit::kNumber},
      {"equity max gap", At(At(equity, "max_gap"), "value"), Unit::kMoney},
      {"equity max gap time", At(At(equity, "max_gap"), "time"), Unit::kTime},
      {"equity max relative gap", At(At(equity, "max_gap_rel"), "value"), Unit::kFraction},
      {"equity final gap", At(equity, "final_gap"), Unit::kMoney},
      {"bars with different equity", At(equity, "bars_differing"), Unit::kCount},
      {"drawdown correlation", At(equity, "drawdown_correlation"), Unit::kNumber},
      {"drawdown max gap", At(At(equity, "max_drawdown_gap"), "value"), Unit::kFraction},
  };
  for (const SummaryRow& row : rows) {
    *out += "<tr" + Attr("data-field", row.name) + "><th>" + HtmlEscape(row.name) + "</th>" +
            ValueCell(row.value, row.unit) + "</tr>\n";
  }
  *out += "</tbody></table>\n<h3>Paired trades</h3><p class=\"note\">a: " + HtmlEscape(a) +
          "; b: " + HtmlEscape(b) +
          "; Δ: b − a.</p><div class=\"scroll\"><table class=\"trades\"><thead><tr><th>side</th>"
          "<th>entry a</th><th>entry b</th><th>Δ bars</th><th>price a</th><th>price b</th>"
          "<th>Δ price</th><th>exit Δ bars</th><th>Δ exit price</th><th>size a</th>"
          "<th>size b</th><th>Δ pnl</th><th>Δ commission</th><th>fills (entry)</th>"
          "<th>differs</th></tr></thead><tbody>\n";
  auto time_cell = [](const json& t) {
    return TextCell(FormatValue(t, Unit::kTime), " class=\"time\"");
  };
  for (const json& r : At(trades, "rows")) {
    const json ta = At(r, "a"), tb = At(r, "b"), d = At(r, "delta");
    const json differs = At(d, "differs");
    std::string differs_text;
    for (const json& field : differs)
      differs_text += (differs_text.empty() ? "" : ", ") + Str(field);
    *out +=
        std::string("<tr") + (differs.empty() ? "" : " class=\"differs\"") + ">" +
        TextCell(Str(At(ta, "side"))) + time_cell(At(ta, "entry_time")) +
        time_cell(At(tb, "entry_time")) + DeltaCell(At(d, "entry_bar"), Unit::kCount) +
        ValueCell(At(ta, "entry_price"), Unit::kNumber) +
        ValueCell(At(tb, "entry_price"), Unit::kNumber) +
        DeltaCell(At(d, "entry_price"), Unit::kNumber) +
        DeltaCell(At(d, "exit_bar"), Unit::kCount) + DeltaCell(At(d, "exit_price"), Unit::kNumber) +
        ValueCell(At(ta, "size"), Unit::kNumber) + ValueCell(At(tb, "size"), Unit::kNumber) +
        DeltaCell(At(d, "pnl"), Unit::kMoney) + DeltaCell(At(d, "commission"), Unit::kMoney) +
        TextCell(Str(At(At(r, "entry_fill"), "a")) + " / " + Str(At(At(r, "entry_fill"), "b"))) +
        TextCell(differs_text, " class=\"differs\"") + "</tr>\n";
  }
  *out += "</tbody></table></div>";
  if (At(trades, "rows_truncated") == true) {
    *out += "<p class=\"note\">Only the first rows are listed (compare.max_trade_rows).</p>";
  }
  for (const char* side : {"unmatched_a", "unmatched_b"}) {
    const json list = At(trades, side);
    if (!list.is_array() || list.empty()) continue;
    const std::string who = std::string(side) == "unmatched_a" ? a : b;
    *out += "<h3>Trades only in " + HtmlEscape(who) + "</h3><div class=\"scroll\">" +
            "<table class=\"unmatched\"" + Attr("data-run", who) +
            "><thead><tr><th>side</th><th>entry</th><th>price</th><th>exit</th><th>exit price"
            "</th><th>size</th><th>pnl</th></tr></thead><tbody>\n";
    for (const json& t : list) {
      *out += "<tr>" + TextCell(Str(At(t, "side"))) + time_cell(At(t, "entry_time")) +
              ValueCell(At(t, "entry_price"), Unit::kNumber) + time_cell(At(t, "exit_time")) +
              ValueCell(At(t, "exit_price"), Unit::kNumber) +
              ValueCell(At(t, "size"), Unit::kNumber) + ValueCell(At(t, "pnl"), Unit::kMoney) +
              "</tr>\n";
    }
    *out += "</tbody></table></div>";
  }
  *out += "</section>\n";
}

void Inputs(std::string* out, const json& report) {
  *out +=
      "<section><h2>Inputs</h2><p class=\"note\">The request as given and each run's "
      "resolved spec, as stored with its backtest.</p><details><summary>request</summary>"
      "<pre id=\"request\">" +
      HtmlEscape(At(At(report, "inputs"), "request").dump(2)) + "</pre></details>";
  for (const json& run : At(report, "runs")) {
    *out += "<details><summary>" + HtmlEscape(Str(At(run, "label"))) +
            "</summary><pre class=\"spec\">" + HtmlEscape(At(run, "spec").dump(2)) +
            "</pre></details>";
  }
  *out += "</section>\n";
}

}  // namespace

std::string HtmlEscape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string ScriptSafeJson(const json& value) {
  const std::string text = value.dump();
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '<') {
      out += "\\u003c";
    } else if (c == '>') {
      out += "\\u003e";
    } else if (c == '&') {
      out += "\\u0026";
    } else {
      out += c;
    }
  }
  return out;
}

std::string RenderHtml(const json& report) {
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<title>btrouter comparison " +
      HtmlEscape(Str(At(report, "id"))) + "</title><style>" + kReportCss +
      "</style></head><body>\n";
  Header(&out, report);
  Explanations(&out, report);
  Runs(&out, report);
  out += html::ChartsSection(report);
  Metrics(&out, report);
  Conventions(&out, report);
  for (const json& pair : At(report, "pairs")) Pair(&out, pair);
  Inputs(&out, report);
  out += "<script type=\"application/json\" id=\"report-data\">" + ScriptSafeJson(report) +
         "</script>\n<script>" + kReportScript + "</script>\n</body></html>\n";
  return out;
}

}  // namespace btr::compare
