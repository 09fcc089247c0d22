// The comparison page's equity and drawdown charts as inline SVG (report_html_parts.h).
#include <cmath>
#include <cstdio>
#include <optional>
#include <vector>

#include "services/compare/report_format.h"
#include "services/compare/report_html.h"
#include "services/compare/report_html_parts.h"

namespace btr::compare::html {
namespace {

using nlohmann::json;

constexpr const char* kColors[] = {"#1f6fd1", "#d1431f", "#2b9a48", "#8a4fd0",
                                   "#c98a00", "#0f9aa8", "#c2417f", "#5c6b7a"};
constexpr size_t kColorCount = sizeof kColors / sizeof kColors[0];

// The chart's size in viewBox units and its plot area inside.
struct Box {
  double width = 960, height;
  double left = 78, right = 14, top = 10, bottom = 28;
  double PlotWidth() const { return width - left - right; }
  double PlotHeight() const { return height - top - bottom; }
};

std::string Fixed1(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string Line(const char* css, double x1, double y1, double x2, double y2) {
  return "<line class=\"" + std::string(css) + "\" x1=\"" + Fixed1(x1) + "\" y1=\"" + Fixed1(y1) +
         "\" x2=\"" + Fixed1(x2) + "\" y2=\"" + Fixed1(y2) + "\"/>";
}

std::string Text(const char* css, double x, double y, const char* anchor, const std::string& text) {
  return "<text class=\"" + std::string(css) + "\" x=\"" + Fixed1(x) + "\" y=\"" + Fixed1(y) +
         "\" text-anchor=\"" + anchor + "\">" + HtmlEscape(text) + "</text>";
}

// One chart of every run's `field` against time. Drawdowns (positive fractions) grow downwards
// from 0 at the top.
std::string Chart(const char* id, const char* label, const json& curves,
                  const std::vector<TimeNs>& times, const char* field, Unit unit, Box box) {
  double lo = INFINITY, hi = -INFINITY;
  for (const json& s : At(curves, "series")) {
    for (const json& v : At(s, field)) {
      if (!v.is_number()) continue;
      lo = std::min(lo, v.get<double>());
      hi = std::max(hi, v.get<double>());
    }
  }
  if (!std::isfinite(lo)) return "<p class=\"note\">No " + std::string(label) + " to draw.</p>";
  const bool downwards = unit == Unit::kFraction;
  if (downwards) lo = std::min(lo, 0.0);
  const NiceScale scale = MakeNiceScale(lo, hi, box.height >= 300 ? 7 : 5, unit);
  const TimeNs t0 = times.front(), t1 = times.back() > t0 ? times.back() : t0 + 1;
  const double pw = box.PlotWidth(), ph = box.PlotHeight();
  auto x = [&](TimeNs t) {
    return box.left + static_cast<double>(t - t0) / static_cast<double>(t1 - t0) * pw;
  };
  auto y = [&](double v) {
    const double share = (v - scale.lo) / (scale.hi - scale.lo);
    return downwards ? box.top + share * ph : box.top + (1 - share) * ph;
  };
  std::string out = "<svg" + Attr("id", id) + " class=\"chart\" viewBox=\"0 0 960 " +
                    Fixed1(box.height) + "\" role=\"img\"" + Attr("aria-label", label) +
                    Attr("data-plot", Fixed1(box.left) + " " + Fixed1(box.top) + " " + Fixed1(pw) +
                                          " " + Fixed1(ph)) +
                    Attr("data-t0", std::to_string(t0 / 1'000'000)) +
                    Attr("data-t1", std::to_string(t1 / 1'000'000)) + ">";
  for (const AxisTick& tick : scale.ticks) {
    out += Line("grid", box.left, y(tick.value), box.left + pw, y(tick.value));
    out += Text("axis tick-y", box.left - 6, y(tick.value) + 4, "end", tick.label);
  }
  for (const TimeTick& tick : MakeTimeTicks(t0, t1, 8)) {
    const double at = x(tick.time);
    out += Line("grid", at, box.top, at, box.top + ph);
    const char* anchor = at > box.width - 50 ? "end" : at < box.left + 30 ? "start" : "middle";
    out += Text("axis tick-x", at, box.height - 9, anchor, tick.label);
  }
  out += "<rect class=\"frame\" x=\"" + Fixed1(box.left) + "\" y=\"" + Fixed1(box.top) +
         "\" width=\"" + Fixed1(pw) + "\" height=\"" + Fixed1(ph) + "\"/>";
  size_t k = 0;
  for (const json& s : At(curves, "series")) {
    std::string points;
    size_t count = 0;
    const json values = At(s, field);
    for (size_t i = 0; i < values.size() && i < times.size(); ++i) {
      if (!values[i].is_number()) continue;
      points += (count++ == 0 ? "" : " ") + Fixed1(x(times[i])) + "," +
                Fixed1(y(values[i].get<double>()));
    }
    out += "<polyline class=\"series\"" + Attr("data-run", Str(At(s, "run"))) +
           Attr("data-points", std::to_string(count)) + Attr("stroke", kColors[k++ % kColorCount]) +
           Attr("points", points) + "/>";
  }
  return out + "</svg>";
}

}  // namespace

std::string ChartsSection(const json& report) {
  const json curves = At(report, "curves");
  std::string out = "<section><h2>Equity and drawdown</h2>";
  if (curves.is_null() || !At(curves, "time").is_array() || At(curves, "time").empty()) {
    return out + "<p>No run succeeded: nothing to draw.</p></section>\n";
  }
  std::vector<TimeNs> times;
  for (const json& t : At(curves, "time")) {
    const std::optional<TimeNs> parsed = ParseIsoTime(Str(t));
    // A time that does not parse keeps the axis going (one second after the previous point).
    times.push_back(parsed ? *parsed : (times.empty() ? 0 : times.back() + kNsPerSecond));
  }
  out += "<p class=\"note\">" + FormatValue(At(curves, "points"), Unit::kCount) + " of " +
         FormatValue(At(curves, "bars"), Unit::kCount) +
         " bars drawn per curve (every bar, or each bucket's extremes).</p><div id=\"legend\">";
  size_t k = 0;
  for (const json& s : At(curves, "series")) {
    out += "<span><i style=\"background:" + std::string(kColors[k++ % kColorCount]) + "\"></i>" +
           HtmlEscape(Str(At(s, "run"))) + "</span>";
  }
  out += "</div>";
  out += Chart("equity-chart", "equity curves", curves, times, "equity", Unit::kMoney,
               Box{.height = 320});
  out += Chart("drawdown-chart", "drawdown curves", curves, times, "drawdown", Unit::kFraction,
               Box{.height = 200});
  return out + "</section>\n";
}

}  // namespace btr::compare::html
