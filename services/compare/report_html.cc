#include "services/compare/report_html.h"

#include <cmath>
#include <map>
#include <vector>

#include "services/compare/explanations.h"

namespace btr::compare {
namespace {

using nlohmann::json;

json At(const json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it != j.end() ? *it : json(nullptr);
}

std::string Str(const json& j) {
  if (j.is_string()) return j.get<std::string>();
  if (j.is_null()) return "";
  return j.dump();
}

std::string Attr(const std::string& name, const std::string& value) {
  return " " + name + "=\"" + HtmlEscape(value) + "\"";
}

// The value as shown: numbers to 6 significant digits, null as a dash, strings as they are.
std::string Shown(const json& v) {
  if (v.is_null()) return "—";
  if (v.is_number()) return Num(v.get<double>());
  return Str(v);
}

// A cell holding a JSON value: its exact text in data-value, the short form shown.
// `title` (the hover text) defaults to the exact value.
std::string ValueCell(const json& v, const std::string& extra_attrs = "",
                      const std::string& css = "", const std::string& title = "") {
  const std::string exact = v.is_string() ? v.get<std::string>() : v.dump();
  return "<td class=\"num" + (css.empty() ? "" : " " + css) + "\"" + Attr("data-value", exact) +
         Attr("title", title.empty() ? exact : title) + extra_attrs + ">" + HtmlEscape(Shown(v)) +
         "</td>";
}

std::string TextCell(const std::string& text, const std::string& extra_attrs = "") {
  return "<td" + extra_attrs + ">" + HtmlEscape(text) + "</td>";
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
  item("created", Str(At(report, "created_at")));
  item("strategy", strategy_text);
  item("baseline",
       At(report, "baseline").is_null() ? "none (no run succeeded)" : Str(At(report, "baseline")));
  for (const json& d : At(At(report, "inputs"), "datasets")) {
    item("dataset",
         Str(At(d, "id")) + ": " + Str(At(d, "bars")) + " bars, sha256 " + Str(At(d, "sha256")));
  }
  const json tol = At(report, "tolerances");
  item("tolerances", "exact rel " + Str(At(At(tol, "exact"), "rel")) + " abs " +
                         Str(At(At(tol, "exact"), "abs")) + "; rounded engines " +
                         Str(At(tol, "rounded_engines")) + ": rel " +
                         Str(At(At(tol, "rounded"), "rel")) + " abs " +
                         Str(At(At(tol, "rounded"), "abs")) + "; trade match window " +
                         Str(At(tol, "match_window_bars")) + " bar(s)");
  *out += "</dl></header>\n";
}

void Runs(std::string* out, const json& report) {
  *out +=
      "<section><h2>Runs</h2><table id=\"runs\"><thead><tr><th>run</th><th>engine</th>"
      "<th>status</th><th>backtest</th><th>engine used</th><th>engine version</th>"
      "<th>dataset sha256</th><th>bars</th><th>trades</th><th>open</th><th>seconds</th>"
      "<th>error</th></tr></thead><tbody>\n";
  for (const json& run : At(report, "runs")) {
    const std::string label = Str(At(run, "label"));
    const json dataset = At(run, "dataset");
    const json error = At(run, "error");
    const std::string sha = Str(At(dataset, "sha256"));
    *out += "<tr" + Attr("data-run", label) + Attr("data-status", Str(At(run, "status"))) + ">" +
            TextCell(label) + TextCell(Str(At(run, "engine"))) +
            TextCell(Str(At(run, "status")),
                     " class=\"status-" + HtmlEscape(Str(At(run, "status"))) + "\"") +
            TextCell(Str(At(run, "backtest_id"))) + TextCell(Str(At(run, "engine_used"))) +
            TextCell(Str(At(run, "engine_version"))) +
            TextCell(sha.substr(0, 16), Attr("title", sha)) + ValueCell(At(dataset, "bars")) +
            ValueCell(At(run, "trades")) + ValueCell(At(run, "open_trades")) +
            ValueCell(At(run, "run_seconds")) +
            TextCell(error.is_object() ? Str(At(error, "code")) + ": " + Str(At(error, "message"))
                                       : "") +
            "</tr>\n";
  }
  *out += "</tbody></table></section>\n";
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

void Charts(std::string* out, const json& report) {
  const json curves = At(report, "curves");
  *out += "<section><h2>Equity and drawdown</h2>";
  if (curves.is_null()) {
    *out += "<p>No run succeeded: nothing to draw.</p></section>\n";
    return;
  }
  *out += "<p class=\"note\">" + Str(At(curves, "points")) + " of " + Str(At(curves, "bars")) +
          " bars drawn per curve (every bar, or each bucket's extremes).</p>"
          "<div id=\"legend\"></div>"
          "<svg id=\"equity-chart\" class=\"chart\" viewBox=\"0 0 960 320\" role=\"img\" "
          "aria-label=\"equity curves\"></svg>"
          "<svg id=\"drawdown-chart\" class=\"chart\" viewBox=\"0 0 960 200\" role=\"img\" "
          "aria-label=\"drawdown curves\"></svg>"
          "<noscript><p>The charts are drawn by the page's inline script; the numbers are in "
          "the tables.</p></noscript></section>\n";
}

void Metrics(std::string* out, const json& report) {
  std::vector<std::string> labels;
  for (const json& run : At(report, "runs")) {
    if (Str(At(run, "status")) == "succeeded") labels.push_back(Str(At(run, "label")));
  }
  *out +=
      "<section><h2>Metrics</h2><p class=\"note\">canonical: recomputed by btrouter from "
      "each run's equity and trades (docs/metrics.md); engine: the engine's own number "
      "where it means the same; Δ: against the baseline.</p><table id=\"metrics\"><thead>"
      "<tr><th>metric</th>";
  for (size_t k = 0; k < labels.size(); ++k) {
    *out += "<th>" + HtmlEscape(labels[k]) + "</th><th>" + HtmlEscape(labels[k]) + " (engine)</th>";
    if (k > 0) *out += "<th>Δ " + HtmlEscape(labels[k]) + "</th>";
  }
  *out += "<th>verdict</th></tr></thead><tbody>\n";
  for (const json& row : At(report, "metrics")) {
    const std::string key = Str(At(row, "key"));
    *out += "<tr" + Attr("data-key", key) + ">" + TextCell(key);
    for (const json& v : At(row, "values")) {
      const std::string run = Str(At(v, "run"));
      const std::string run_attr = Attr("data-run", run);
      *out += ValueCell(At(v, "canonical"), run_attr + Attr("data-field", "canonical"));
      const std::string own = Str(At(v, "engine_verdict"));
      const std::string note = Str(At(v, "engine_note"));
      *out += ValueCell(At(v, "engine"),
                        run_attr + Attr("data-field", "engine") + Attr("data-verdict", own) +
                            Attr("data-note", note),
                        own.empty() ? "" : "v-" + own, note.empty() ? "" : own + ": " + note);
      const json vs = At(v, "vs_baseline");
      if (!vs.is_null()) {
        const std::string verdict = Str(At(vs, "verdict"));
        *out += ValueCell(At(vs, "delta"),
                          run_attr + Attr("data-field", "delta") + Attr("data-verdict", verdict) +
                              Attr("data-note", Str(At(vs, "note"))),
                          "v-" + verdict);
      }
    }
    const std::string verdict = Str(At(row, "verdict"));
    *out += TextCell(verdict, " class=\"v-" + HtmlEscape(verdict) + "\"") + "</tr>\n";
  }
  *out += "</tbody></table></section>\n";
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
      "adapter states them.</p><table id=\"conventions\"><thead><tr><th>convention</th>";
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
      *out += "<tr" + Attr("data-scope", scope) + Attr("data-topic", topic) + "><th>" +
              HtmlEscape(std::string(scope) + ": " + topic) + "</th>";
      for (const json& run : runs) {
        const json v = At(At(At(run, "conventions"), scope), topic.c_str());
        *out += TextCell(v.is_null() ? "—" : Str(v), Attr("data-run", Str(At(run, "label"))));
      }
      *out += "</tr>\n";
    }
  }
  *out += "</tbody></table></section>\n";
}

void Pair(std::string* out, const json& pair) {
  const std::string a = Str(At(pair, "a")), b = Str(At(pair, "b"));
  const json trades = At(pair, "trades"), equity = At(pair, "equity");
  const json verdicts = At(pair, "verdicts"), first = At(pair, "first_divergence");
  *out += "<section class=\"pair\"" + Attr("data-a", a) + Attr("data-b", b) + "><h2>" +
          HtmlEscape(b + " vs " + a) + "</h2><table class=\"pair-summary\"><tbody>\n";
  auto row = [&](const std::string& name, const json& v) {
    *out += "<tr" + Attr("data-field", name) + "><th>" + HtmlEscape(name) + "</th>" + ValueCell(v) +
            "</tr>\n";
  };
  row("metrics agree", At(verdicts, "agree"));
  row("metrics differ", At(verdicts, "differ"));
  row("metrics not comparable", At(verdicts, "not_comparable"));
  row("trades paired", At(trades, "paired"));
  row("trades identical", At(trades, "identical"));
  row("trades only in " + a, At(trades, "only_a"));
  row("trades only in " + b, At(trades, "only_b"));
  row("first divergence bar", At(first, "bar"));
  row("first divergence time", At(first, "time"));
  row("equity correlation", At(equity, "correlation"));
  row("equity max gap", At(At(equity, "max_gap"), "value"));
  row("equity max gap time", At(At(equity, "max_gap"), "time"));
  row("equity max relative gap", At(At(equity, "max_gap_rel"), "value"));
  row("equity final gap", At(equity, "final_gap"));
  row("bars with different equity", At(equity, "bars_differing"));
  row("drawdown correlation", At(equity, "drawdown_correlation"));
  row("drawdown max gap", At(At(equity, "max_drawdown_gap"), "value"));
  *out +=
      "</tbody></table>\n<h3>Paired trades</h3><table class=\"trades\"><thead><tr>"
      "<th>side</th><th>entry " +
      HtmlEscape(a) + "</th><th>entry " + HtmlEscape(b) + "</th><th>Δ bars</th><th>price " +
      HtmlEscape(a) + "</th><th>price " + HtmlEscape(b) +
      "</th><th>Δ price</th><th>exit Δ bars</th><th>Δ exit price</th><th>size " + HtmlEscape(a) +
      "</th><th>size " + HtmlEscape(b) +
      "</th><th>Δ pnl</th><th>Δ "
      "commission</th><th>fills (entry)</th><th>differs</th></tr></thead><tbody>\n";
  for (const json& r : At(trades, "rows")) {
    const json ta = At(r, "a"), tb = At(r, "b"), d = At(r, "delta");
    const json differs = At(d, "differs");
    *out +=
        std::string("<tr") + (differs.empty() ? "" : " class=\"differs\"") + ">" +
        TextCell(Str(At(ta, "side"))) + TextCell(Str(At(ta, "entry_time"))) +
        TextCell(Str(At(tb, "entry_time"))) + ValueCell(At(d, "entry_bar")) +
        ValueCell(At(ta, "entry_price")) + ValueCell(At(tb, "entry_price")) +
        ValueCell(At(d, "entry_price")) + ValueCell(At(d, "exit_bar")) +
        ValueCell(At(d, "exit_price")) + ValueCell(At(ta, "size")) + ValueCell(At(tb, "size")) +
        ValueCell(At(d, "pnl")) + ValueCell(At(d, "commission")) +
        TextCell(Str(At(At(r, "entry_fill"), "a")) + " / " + Str(At(At(r, "entry_fill"), "b"))) +
        TextCell(Str(differs)) + "</tr>\n";
  }
  *out += "</tbody></table>";
  if (At(trades, "rows_truncated") == true) {
    *out += "<p class=\"note\">Only the first rows are listed (compare.max_trade_rows).</p>";
  }
  for (const char* side : {"unmatched_a", "unmatched_b"}) {
    const json list = At(trades, side);
    if (!list.is_array() || list.empty()) continue;
    const std::string who = std::string(side) == "unmatched_a" ? a : b;
    *out += "<h3>Trades only in " + HtmlEscape(who) + "</h3><table class=\"unmatched\"" +
            Attr("data-run", who) +
            "><thead><tr><th>side</th><th>entry</th><th>price</th><th>exit</th><th>exit price"
            "</th><th>size</th><th>pnl</th></tr></thead><tbody>\n";
    for (const json& t : list) {
      *out += "<tr>" + TextCell(Str(At(t, "side"))) + TextCell(Str(At(t, "entry_time"))) +
              ValueCell(At(t, "entry_price")) + TextCell(Str(At(t, "exit_time"))) +
              ValueCell(At(t, "exit_price")) + ValueCell(At(t, "size")) + ValueCell(At(t, "pnl")) +
              "</tr>\n";
    }
    *out += "</tbody></table>";
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
  Charts(&out, report);
  Metrics(&out, report);
  Conventions(&out, report);
  for (const json& pair : At(report, "pairs")) Pair(&out, pair);
  Inputs(&out, report);
  out += "<script type=\"application/json\" id=\"report-data\">" + ScriptSafeJson(report) +
         "</script>\n<script>" + kReportScript + "</script>\n</body></html>\n";
  return out;
}

}  // namespace btr::compare
