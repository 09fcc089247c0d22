// What the optimization pages share: whether the server has the routes (its /openapi.json), the
// objective metrics it accepts, the size of a parameter space as the server counts it
// (docs/optimization.md: a range is min, min + step, ... up to max inclusive), and how an
// objective is named and formatted.
import { session } from './app.js';
import { metricLabel, fmtMetric } from './metrics.js';

export const ACTIVE = new Set(['queued', 'running']);
// The limits of docs/optimization.md.
export const MAX_SWEPT = 8, MAX_VALUES = 10000, MAX_POINTS = 10000000;

// The canonical metric keys, in the server's order when its OpenAPI document lists them.
const METRICS = ['duration_s', 'exposure_time', 'equity_final', 'equity_peak', 'commissions', 'total_return', 'buy_hold_return',
  'cagr', 'annual_return', 'annual_volatility', 'sharpe_ratio', 'sortino_ratio', 'calmar_ratio', 'alpha', 'beta', 'max_drawdown',
  'avg_drawdown', 'max_drawdown_duration_s', 'avg_drawdown_duration_s', 'num_trades', 'win_rate', 'best_trade', 'worst_trade',
  'avg_trade', 'max_trade_duration_s', 'avg_trade_duration_s', 'profit_factor', 'expectancy', 'sqn', 'kelly'];
// Metrics where less is better: the form proposes `min` for them.
export const LOWER_IS_BETTER = new Set(['max_drawdown', 'avg_drawdown', 'max_drawdown_duration_s', 'avg_drawdown_duration_s',
  'annual_volatility', 'commissions']);

function requestSchema() { return session.openapi?.components?.schemas?.OptimizationRequest ?? null; }

export function optimizationsAvailable() {
  const paths = session.openapi?.paths || {};
  return { list: Boolean(paths['/v1/optimizations']?.get), create: Boolean(paths['/v1/optimizations']?.post),
    view: Boolean(paths['/v1/optimizations/{id}']?.get) };
}

// Whether the server takes `walk_forward` in an optimization request.
export function walkForwardAvailable() { return Boolean(requestSchema()?.properties?.walk_forward); }

export function objectiveMetrics() {
  const objective = requestSchema()?.properties?.objective;
  const listed = (objective?.anyOf || []).map((s) => s.enum).find(Array.isArray);
  return listed?.length ? listed : METRICS;
}

// The number of values of one axis of `space`: a list, or {min, max, step}; NaN when it is not
// one (the server says why).
export function axisCount(axis) {
  if (Array.isArray(axis)) return axis.length;
  if (!axis || typeof axis !== 'object') return NaN;
  const { min, max } = axis, step = axis.step ?? 1;
  if (![min, max, step].every(Number.isFinite) || step <= 0 || max < min) return NaN;
  return Math.floor((max - min) / step + 1e-9) + 1;
}

// The grid points of a space: the product of its axes' counts (1 for none).
export function gridSize(space) {
  return Object.values(space || {}).reduce((n, axis) => n * axisCount(axis), 1);
}

// "Sharpe ratio (max)".
export function objectiveText(objective) {
  const o = typeof objective === 'string' ? { metric: objective } : objective || {};
  const metric = o.metric ?? 'sharpe_ratio';
  return `${metricLabel(metric)} (${o.direction ?? 'max'})`;
}

// An objective value in its metric's unit: a Sharpe ratio as a ratio, a return as a percentage.
export function fmtObjective(metric, value) { return fmtMetric(metric ?? 'sharpe_ratio', value); }

// A parameter value as the report holds it (5.0 -> "5", 0.05 -> "0.05", true -> "true").
export function fmtParam(value) {
  if (typeof value === 'number') return String(Number(value.toPrecision(12)));
  return value === null || value === undefined ? '—' : String(value);
}

export const optimizationHref = (id) => `/dashboard/optimizations/${encodeURIComponent(id)}`;
