// Small DOM and formatting helpers shared by the pages.

// h('button', {type: 'button', onclick}, 'text', child...) -> an element. Attributes named on*
// become listeners; `false`/null attributes are left out; strings become text nodes.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value);
    else if (name === 'class') el.className = value;
    else if (name in el && typeof value !== 'string') el[name] = value;
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

const isNumber = (v) => typeof v === 'number' && Number.isFinite(v);
const grouped = (v, min, max) => v.toLocaleString('en-US', { minimumFractionDigits: min, maximumFractionDigits: max });

// A value that is not a finite number: "—" for none, "∞" for the API's "inf", else its text.
function notNumber(v) {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  if (v === Infinity || v === 'inf') return '∞';
  if (v === -Infinity || v === '-inf') return '−∞';
  return String(v);
}

// 1234.5678 -> "1,234.57" (at most `digits` decimals).
export function fmtNum(v, digits = 2) { return isNumber(v) ? grouped(v, 0, digits) : notNumber(v); }
// A fraction as a percentage: 0.12345 -> "12.35 %"; a tiny non-zero one keeps two significant
// digits ("0.0012 %") instead of reading as zero.
export function fmtPct(v, digits = 2) {
  if (!isNumber(v)) return notNumber(v);
  const pct = v * 100;
  if (pct !== 0 && Math.abs(pct) < 10 ** -digits) return `${pct.toPrecision(2)} %`;
  return `${grouped(pct, digits, digits)} %`;
}
// Cash with thousands separators and cents: 12345.6 -> "12,345.60".
export function fmtMoney(v) { return isNumber(v) ? grouped(v, 2, 2) : notNumber(v); }
// A whole count: 1234 -> "1,234".
export function fmtCount(v) { return isNumber(v) ? grouped(Math.round(v), 0, 0) : notNumber(v); }
// A unitless ratio (Sharpe, beta, ...): two decimals from 1 up, else three significant digits.
export function fmtRatio(v) {
  if (!isNumber(v)) return notNumber(v);
  if (v === 0 || Math.abs(v) >= 1) return grouped(v, 2, 2);
  return v.toLocaleString('en-US', { maximumSignificantDigits: 3 });
}
// Seconds for people: "350 ms", "5.2 s", "3 min 5 s", "2 h 30 min", "3 days 4 h", "680 days".
export function fmtSeconds(s) {
  if (!isNumber(s)) return notNumber(s);
  if (s < 0) return `−${fmtSeconds(-s)}`;
  if (s === 0) return '0 s';
  if (s < 1) return `${Number((s * 1000).toPrecision(3))} ms`;
  if (s < 59.95) return `${grouped(s, 0, 1)} s`;
  const plural = (n, unit) => `${grouped(n, 0, 0)} ${unit}${n === 1 ? '' : 's'}`;
  const pair = (major, minor, majorUnit, minorUnit) => `${major} ${majorUnit}${minor ? ` ${minor} ${minorUnit}` : ''}`;
  if (s < 3600 - 0.5) { const t = Math.round(s); return pair(Math.floor(t / 60), t % 60, 'min', 's'); }
  if (s < 86400 - 30) { const t = Math.round(s / 60); return pair(Math.floor(t / 60), t % 60, 'h', 'min'); }
  if (s < 10 * 86400 - 1800) {
    const t = Math.round(s / 3600), days = Math.floor(t / 24);
    return `${plural(days, 'day')}${t % 24 ? ` ${t % 24} h` : ''}`;
  }
  return plural(Math.round(s / 86400), 'day');
}
export function fmtTime(iso) { return iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '—'; }
// The time between two ISO times (the second defaults to now).
export function fmtDuration(startIso, endIso) {
  if (!startIso) return '—';
  return fmtSeconds(((endIso ? Date.parse(endIso) : Date.now()) - Date.parse(startIso)) / 1000);
}
export function stateBadge(state) { return h('span', { class: `state state-${state}` }, state); }

// An RFC 9457 problem as a box (role=alert so screen readers announce it).
export function problemBox(err) {
  const p = err && err.problem ? err.problem : { detail: String(err && err.message ? err.message : err) };
  return h('div', { class: 'problem', role: 'alert' },
    h('strong', {}, err && err.status ? `${err.status} ${p.title || ''}`.trim() + ': ' : 'Error: '),
    p.detail || '', p.field ? h('span', { class: 'reason' }, ` (field: ${p.field})`) : null);
}

// Opens the confirmation dialog; resolves true when confirmed.
export function confirmDialog(title, text, okLabel = 'Confirm') {
  const dialog = document.getElementById('confirm');
  document.getElementById('confirm-title').textContent = title;
  document.getElementById('confirm-text').textContent = text;
  document.getElementById('confirm-ok').textContent = okLabel;
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
    dialog.returnValue = '';
    dialog.showModal();
    document.getElementById('confirm-ok').focus();
  });
}

export function randomId() {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

// An SVG element: svg('rect', {x: 1, class: 'cell'}, child...). Attributes are set as given
// (on* functions become listeners); strings become text nodes.
export function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

// Saves `text` as a file named `filename` (a Blob link clicked once, then revoked).
export function saveText(text, type, filename) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h('a', { href: url, download: filename, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
