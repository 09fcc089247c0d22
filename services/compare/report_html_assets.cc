// The stylesheet and the chart script of the comparison page (report_html.h), written for this
// page: the script reads the inlined report JSON and draws each run's equity and drawdown curve
// as an SVG polyline on shared axes, with a legend and a hover read-out. No library, no network.
#include "services/compare/report_html.h"

namespace btr::compare {

const char* const kReportCss = R"css(
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1d2430;margin:24px auto;
max-width:1200px;padding:0 16px}
h1{font-size:22px;margin:0 0 8px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #dde2ea}
h3{font-size:14px;margin:16px 0 6px}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:0}dt{color:#5b6675}
dd{margin:0;word-break:break-all}
table{border-collapse:collapse;font-size:12.5px;margin:4px 0 8px}
th,td{border:1px solid #dde2ea;padding:3px 7px;text-align:left;vertical-align:top}
thead th{background:#f3f5f8;position:sticky;top:0}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.v-agree{background:#eef8f0}.v-differ{background:#fdeeee}.v-not_comparable{background:#f4f4f4;color:#6b7280}
.status-failed,.status-cancelled{color:#b42318;font-weight:600}
tr.differs td{background:#fff8e6}
ul#explanations li{margin:5px 0}.scope{font-weight:600;margin-right:4px}
.note{color:#5b6675;font-size:12.5px}
svg.chart{width:100%;height:auto;border:1px solid #dde2ea;background:#fff;display:block;margin:6px 0}
svg .grid{stroke:#eceff3;stroke-width:1}svg .axis{fill:#5b6675;font-size:11px}
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
  var COLORS = ['#1f6fd1', '#d1431f', '#2b9a48', '#8a4fd0', '#c98a00', '#0f9aa8', '#c2417f',
                '#5c6b7a'];
  var times = curves.time.map(function (t) { return Date.parse(t); });

  function node(name, attrs, parent) {
    var e = document.createElementNS(NS, name);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }
  function money(v) { return v.toLocaleString('en-US', {maximumFractionDigits: 2}); }
  function percent(v) { return (100 * v).toFixed(2) + '%'; }

  var legend = document.getElementById('legend');
  curves.series.forEach(function (s, k) {
    var span = document.createElement('span');
    var swatch = document.createElement('i');
    swatch.style.background = COLORS[k % COLORS.length];
    span.appendChild(swatch);
    span.appendChild(document.createTextNode(s.run));
    legend.appendChild(span);
  });

  // One chart: every run's `field` on a shared time axis. Drawdowns (positive fractions) grow
  // downwards from 0 at the top.
  function draw(id, field, format, downwards) {
    var svg = document.getElementById(id);
    if (!svg) return;
    var box = svg.viewBox.baseVal, W = box.width, H = box.height;
    var L = 78, R = 12, T = 10, B = 24, pw = W - L - R, ph = H - T - B;
    var lo = Infinity, hi = -Infinity;
    curves.series.forEach(function (s) {
      s[field].forEach(function (v) {
        if (v === null) return;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      });
    });
    if (!isFinite(lo)) return;
    if (downwards) lo = Math.min(lo, 0);
    if (hi === lo) { hi += 1; lo -= downwards ? 0 : 1; }
    var t0 = times[0], t1 = times[times.length - 1];
    if (t1 === t0) t1 = t0 + 1;
    function x(i) { return L + (times[i] - t0) / (t1 - t0) * pw; }
    function y(v) { return downwards ? T + (v - lo) / (hi - lo) * ph : T + (hi - v) / (hi - lo) * ph; }
    for (var g = 0; g <= 4; g++) {
      var v = lo + (hi - lo) * g / 4, gy = y(v);
      node('line', {'class': 'grid', x1: L, x2: W - R, y1: gy, y2: gy}, svg);
      node('text', {'class': 'axis', x: L - 6, y: gy + 4, 'text-anchor': 'end'}, svg)
          .textContent = format(v);
    }
    for (var q = 0; q <= 4; q++) {
      var i = Math.round((times.length - 1) * q / 4);
      node('text', {'class': 'axis', x: x(i), y: H - 6,
                    'text-anchor': q === 0 ? 'start' : q === 4 ? 'end' : 'middle'}, svg)
          .textContent = curves.time[i].slice(0, 10);
    }
    curves.series.forEach(function (s, k) {
      var pts = [];
      s[field].forEach(function (v, i) {
        if (v !== null) pts.push(x(i).toFixed(2) + ',' + y(v).toFixed(2));
      });
      node('polyline', {'class': 'series', 'data-run': s.run, 'data-points': pts.length,
                        points: pts.join(' '), stroke: COLORS[k % COLORS.length]}, svg);
    });
    var cursor = node('line', {'class': 'cursor', y1: T, y2: T + ph, x1: -10, x2: -10}, svg);
    var readout = node('text', {'class': 'readout', x: L + 6, y: T + 12}, svg);
    var catcher = node('rect', {x: L, y: T, width: pw, height: ph, fill: 'transparent'}, svg);
    catcher.addEventListener('mousemove', function (ev) {
      var r = svg.getBoundingClientRect();
      var px = (ev.clientX - r.left) * W / r.width;
      var t = t0 + (px - L) / pw * (t1 - t0), a = 0, b = times.length - 1;
      while (b - a > 1) { var m = (a + b) >> 1; if (times[m] <= t) a = m; else b = m; }
      var i = (t - times[a] <= times[b] - t) ? a : b;
      cursor.setAttribute('x1', x(i));
      cursor.setAttribute('x2', x(i));
      readout.textContent = curves.time[i].slice(0, 16).replace('T', ' ') + '  ' +
          curves.series.map(function (s) {
            var v = s[field][i];
            return s.run + ' ' + (v === null ? '-' : format(v));
          }).join('   ');
    });
  }
  draw('equity-chart', 'equity', money, false);
  draw('drawdown-chart', 'drawdown', percent, true);
})();
)js";

}  // namespace btr::compare
