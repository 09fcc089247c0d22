// The dashboard's client of the btrouter REST API. The API key lives in sessionStorage only
// (gone when the tab closes) and is sent as `Authorization: Bearer`; it is never put in a URL.
// Errors are RFC 9457 problems: ApiError carries the server's status, detail and field.

const KEY = 'btrouter.api_key';

export function apiKey() { return sessionStorage.getItem(KEY) || ''; }
export function setApiKey(key) { sessionStorage.setItem(KEY, key); }
export function clearApiKey() { sessionStorage.removeItem(KEY); }

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
    this.field = problem.field || null;
  }
}

// fetch() of an API path with the key; resolves to the parsed JSON body (or text), rejects with
// ApiError on a non-2xx answer.
export async function api(path, { method = 'GET', body, headers = {}, raw = false, auth = true } = {}) {
  const h = { ...headers };
  if (auth) h.Authorization = `Bearer ${apiKey()}`;
  let payload = body;
  if (body !== undefined && !(body instanceof Blob) && typeof body !== 'string') {
    h['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const res = await fetch(path, { method, headers: h, body: payload, cache: 'no-store' });
  const type = res.headers.get('Content-Type') || '';
  if (!res.ok) {
    let problem = { detail: `HTTP ${res.status}` };
    try { problem = type.includes('json') ? await res.json() : { detail: await res.text() }; } catch (_) { /* keep */ }
    throw new ApiError(res.status, problem);
  }
  if (raw) return res.text();
  return type.includes('json') ? res.json() : res.text();
}

// Every item of a cursor-paged list (`{items, next_cursor}`), `limit` per request.
export async function apiAll(path, limit = 1000, max = 100000) {
  const items = [];
  let cursor = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const page = await api(`${path}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor && items.length < max);
  return items;
}

// The progress WebSocket's URL for a job: the page's own host and port when wsPort is null
// (the API port serves it), else the page's host name on wsPort.
export function jobEventsUrl(wsPort, id) {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const host = wsPort ? `${location.hostname}:${wsPort}` : location.host;
  return `${scheme}://${host}/v1/backtests/${encodeURIComponent(id)}/events`;
}

// Live job updates over the progress WebSocket. The key is offered as the subprotocol
// `bearer.<key>` next to `btrouter.v1` (browsers cannot set headers on a WebSocket), so it never
// appears in a URL. Calls onJob(job) per message and onEnd(heard) when the socket closes
// (`heard`: whether any message came, false when it could not connect); returns a function that
// closes the socket, or null when no socket could be made.
export function watchJob(wsPort, id, onJob, onEnd) {
  let socket, heard = false;
  try {
    socket = new WebSocket(jobEventsUrl(wsPort, id), ['btrouter.v1', `bearer.${apiKey()}`]);
  } catch (_) {
    return null;
  }
  socket.onmessage = (event) => {
    heard = true;
    try {
      const message = JSON.parse(event.data);
      if (message.type === 'job') onJob(message.job);
    } catch (_) { /* ignore a malformed message */ }
  };
  socket.onclose = () => { if (onEnd) onEnd(heard); };
  socket.onerror = () => {};
  return () => { socket.onclose = null; socket.close(); };
}
