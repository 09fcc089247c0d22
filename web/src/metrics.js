// How the dashboard shows metrics: a label and a unit for each canonical metric and convention
// key (docs/metrics.md: fractions, positive drawdowns, seconds, ISO times), the value formatted
// for its unit, and the tables and KPI tiles built from them. The raw key stays available as
// each label's tooltip (title) and data-key attribute.
import { h, fmtCount, fmtMoney, fmtPct, fmtRatio, fmtSeconds, fmtTime } from './util.js';

// key -> [label, unit]; unit is one of pct (a fraction shown as a percentage), money, ratio,
// count, seconds, time, text.
const KEYS = {
  start: ['Start', 'time'],
  end: ['End', 'time'],
  duration_s: ['Duration', 'seconds'],
  exposure_time: ['Exposure time', 'pct'],
  equity_final: ['Final equity', 'money'],
  equity_peak: ['Peak equity', 'money'],
  commissions: ['Commissions', 'money'],
  total_return: ['Total return', 'pct'],
  buy_hold_return: ['Buy & hold return', 'pct'],
  cagr: ['CAGR', 'pct'],
  annual_return: ['Annual return', 'pct'],
  annual_volatility: ['Annual volatility', 'pct'],
  sharpe_ratio: ['Sharpe ratio', 'ratio'],
  sortino_ratio: ['Sortino ratio', 'ratio'],
  calmar_ratio: ['Calmar ratio', 'ratio'],
  beta: ['Beta', 'ratio'],
  alpha: ['Alpha', 'pct'],
  max_drawdown: ['Max drawdown', 'pct'],
  avg_drawdown: ['Average drawdown', 'pct'],
  max_drawdown_duration_s: ['Longest drawdown', 'seconds'],
  avg_drawdown_duration_s: ['Average drawdown length', 'seconds'],
  num_trades: ['Trades', 'count'],
  win_rate: ['Win rate', 'pct'],
  best_trade: ['Best trade', 'pct'],
  worst_trade: ['Worst trade', 'pct'],
  avg_trade: ['Average trade', 'pct'],
  max_trade_duration_s: ['Longest trade', 'seconds'],
  avg_trade_duration_s: ['Average trade length', 'seconds'],
  profit_factor: ['Profit factor', 'ratio'],
  expectancy: ['Expectancy', 'pct'],
  sqn: ['SQN', 'ratio'],
  kelly: ['Kelly criterion', 'ratio'],
  annualization_periods: ['Periods per year', 'count'],
  return_sampling: ['Return sampling', 'text'],
  bar_period_s: ['Bar spacing', 'seconds'],
  duration_resolution_s: ['Duration resolution', 'seconds'],
  risk_free_rate: ['Risk-free rate', 'pct'],
  definition_version: ['Definition', 'text'],
};

const FORMAT = { pct: fmtPct, money: fmtMoney, ratio: fmtRatio, count: fmtCount, seconds: fmtSeconds, time: fmtTime };

// "max_trade_duration_s" -> "Max trade duration" for a key the table does not know.
function labelFromKey(key) {
  const words = key.replace(/_s$/, '').split('_').filter(Boolean).join(' ');
  return words ? words[0].toUpperCase() + words.slice(1) : key;
}

export function metricLabel(key) { return KEYS[key]?.[0] ?? labelFromKey(key); }

function unitOf(key, value) {
  if (KEYS[key]) return KEYS[key][1];
  if (typeof value !== 'number') return 'text';
  return /_s$/.test(key) ? 'seconds' : 'ratio';
}

// The value of `key` as shown: "12.35 %", "12,345.60", "3 days 4 h", "—" for null, "∞" for "inf".
const SAMPLING = { D: 'daily (D)', W: 'weekly (W)', ME: 'monthly (ME)', YE: 'yearly (YE)' };

export function fmtMetric(key, value) {
  if (key === 'return_sampling' && SAMPLING[value]) return SAMPLING[value];
  const format = FORMAT[unitOf(key, value)];
  if (format && (typeof value === 'number' || value === null || value === undefined || value === 'inf' || value === '-inf')) {
    return format(value);
  }
  return value === null || value === undefined ? '—' : String(value);
}

// The order of the rows: the known keys as listed above (returns, risk, trades, durations
// together), then the others by name.
const ORDER = new Map(Object.keys(KEYS).map((key, k) => [key, k]));
const byOrder = ([a], [b]) => (ORDER.get(a) ?? Infinity) - (ORDER.get(b) ?? Infinity) || (a < b ? -1 : a > b ? 1 : 0);

// A two-column table (label, value) of an object's scalar members. Each row: data-key=KEY, the
// label's title is the key and the value's title the exact value.
export function metricsTable(id, obj) {
  const rows = Object.entries(obj || {}).filter(([, v]) => typeof v !== 'object' || v === null).sort(byOrder);
  return h('div', { class: 'table-wrap' }, h('table', { id, class: 'metrics' },
    h('tbody', {}, rows.map(([key, value]) => {
      const text = typeof value === 'string' && unitOf(key, value) === 'text';
      return h('tr', { 'data-key': key },
        h('th', { scope: 'row', title: key }, metricLabel(key)),
        h('td', { class: text ? 'text' : 'num', title: value === null ? 'null' : String(value) }, fmtMetric(key, value)));
    }))));
}

// The headline figures of a run as tiles: total return, CAGR, Sharpe, max drawdown, trades,
// win rate, final equity, duration. Returns and CAGR are marked up or down by their sign.
const KPIS = ['total_return', 'cagr', 'sharpe_ratio', 'max_drawdown', 'num_trades', 'win_rate', 'equity_final', 'duration_s'];
const SIGNED = new Set(['total_return', 'cagr']);

export function kpiTiles(id, metrics) {
  return h('section', { class: 'kpis', id, 'aria-label': 'key figures' }, KPIS.map((key) => {
    const value = metrics?.[key];
    const tone = SIGNED.has(key) && typeof value === 'number' && value !== 0 ? (value > 0 ? ' up' : ' down') : '';
    return h('div', { class: `kpi${tone}`, 'data-key': key, title: `${key} = ${value ?? 'null'}` },
      h('div', { class: 'kpi-label' }, metricLabel(key)), h('div', { class: 'kpi-value' }, fmtMetric(key, value)));
  }));
}
