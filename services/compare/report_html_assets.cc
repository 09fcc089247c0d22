// The stylesheet and the script of the comparison page (report_html.h), written for this page.
// The charts are drawn as SVG by the page itself (report_html_charts.cc); the script only adds
// their hover read-out (the nearest point in time and every run's value there) from the inlined
// report JSON. No library, no network.
#include "services/compare/report_html.h"

namespace btr::compare {

const char* const kReportCss = R"css(
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1d2430;margin:24px auto;
max-width:1200px;padding:0 16px}
h1{font-size:22px;margin:0 0 8px;overflow-wrap:anywhere}
h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #dde2ea;overflow-wrap:anywhere}
h3{font-size:14px;margin:16px 0 6px}
dl{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:2px 14px;margin:0}dt{color:#5b6675}
dd{margin:0;overflow-wrap:anywhere}
.scroll{overflow-x:auto;max-width:100%;margin:4px 0 8px}
table{border-collapse:collapse;font-size:12.5px;margin:4px 0 8px}.scroll>table{margin:0}
th,td{border:1px solid #dde2ea;padding:3px 7px;text-align:left;vertical-align:top}
thead th{background:#f3f5f8}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.metric,td.time{white-space:nowrap}td.metric{font-weight:600}td.differs{min-width:14em}
#conventions td{min-width:12em}
.v-agree{background:#eef8f0}.v-differ{background:#fdeeee}.v-not_comparable{background:#f4f4f4;color:#6b7280}
.status-failed,.status-cancelled{color:#b42318;font-weight:600}
tr.differs td{background:#fff8e6}
ul#explanations{padding-left:20px}ul#explanations li{margin:5px 0;overflow-wrap:anywhere}
.scope{font-weight:600;margin-right:4px}
.note{color:#5b6675;font-size:12.5px}
svg.chart{width:100%;height:auto;border:1px solid #dde2ea;background:#fff;display:block;margin:6px 0}
svg .grid{stroke:#eceff3;stroke-width:1}svg .frame{fill:none;stroke:#c9d0da;stroke-width:1}
svg .axis{fill:#5b6675;font-size:11px}
svg .series{fill:none;stroke-width:1.4}svg .cursor{stroke:#9aa3af;stroke-dasharray:3 3}
svg .readout{font-size:11px;fill:#1d2430}
#legend span{display:inline-block;margin-right:16px}#legend i{display:inline-block;width:18px;
height:3px;margin-right:6px;vertical-align:middle}
pre{background:#f6f8fa;padding:8px;overflow:auto;font-size:12px}
)css";

const char* const kReportScript = R"js(
(function () {
  'use strict';
  var report = JSON.parse(document.getElementById('report-data').textContent);
  var curves = report.curves;
  if (!curves || !curves.series || !curves.series.length) return;
  var NS = 'http://www.w3.org/2000/svg';
  var times = curves.time.map(function (t) { return Date.parse(t); });

  function node(name, attrs, parent) {
    var e = document.createElementNS(NS, name);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }
  function money(v) { return v.toLocaleString('en-US', {minimumFractionDigits: 2, maximumFractionDigits: 2}); }
  function percent(v) { return (100 * v).toFixed(2) + ' %'; }

  // The hover read-out of a chart drawn by the page (data-plot: its plot area in viewBox units;
  // data-t0/data-t1: the time axis' ends in ms): a cursor at the nearest point in time and
  // every run's value there.
  function readout(id, field, format) {
    var svg = document.getElementById(id);
    if (!svg || !svg.dataset.plot) return;
    var plot = svg.dataset.plot.split(' ').map(Number), L = plot[0], T = plot[1], pw = plot[2], ph = plot[3];
    var t0 = Number(svg.dataset.t0), t1 = Number(svg.dataset.t1), W = svg.viewBox.baseVal.width;
    function x(i) { return L + (times[i] - t0) / (t1 - t0) * pw; }
    var cursor = node('line', {'class': 'cursor', y1: T, y2: T + ph, x1: -10, x2: -10}, svg);
    var text = node('text', {'class': 'readout', x: L + 6, y: T + 12}, svg);
    var catcher = node('rect', {x: L, y: T, width: pw, height: ph, fill: 'transparent'}, svg);
    catcher.addEventListener('mousemove', function (ev) {
      var r = svg.getBoundingClientRect();
      var px = (ev.clientX - r.left) * W / r.width;
      var t = t0 + (px - L) / pw * (t1 - t0), a = 0, b = times.length - 1;
      while (b - a > 1) { var m = (a + b) >> 1; if (times[m] <= t) a = m; else b = m; }
      var i = (t - times[a] <= times[b] - t) ? a : b;
      cursor.setAttribute('x1', x(i));
      cursor.setAttribute('x2', x(i));
      text.textContent = curves.time[i].slice(0, 16).replace('T', ' ') + '  ' +
          curves.series.map(function (s) {
            var v = s[field][i];
            return s.run + ' ' + (v === null ? '-' : format(v));
          }).join('   ');
    });
  }
  readout('equity-chart', 'equity', money);
  readout('drawdown-chart', 'drawdown', percent);
})();
)js";

}  // namespace btr::compare
