// api.js - the admin API client. The console keeps no credential a script
// could read: signing in trades the token for an HttpOnly, SameSite=Strict
// session cookie (POST /api/v1/session, docs/security.md), which the
// browser sends with every /api/v1 request; nothing goes to localStorage,
// sessionStorage or document.cookie. Every request carries
// X-Requested-With: alerthub, which the server requires of cookie-signed
// changes (a page of another site cannot send it without a CORS preflight
// the server never grants).
const CSRF = { "X-Requested-With": "alerthub" };

// An API refusal: the error envelope's code and message, and the HTTP status.
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

let unauthorized = () => {};
export function onUnauthorized(fn) {
  unauthorized = fn;
}

async function call(method, path, body) {
  const headers = { ...CSRF };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch("/api/v1" + path, {
    method,
    headers,
    credentials: "same-origin",
    cache: "no-store",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let json;
  try {
    json = await res.json();
  } catch {
    throw new ApiError(res.status, "InternalError", "the server answered HTTP " + res.status);
  }
  if (json.error) throw new ApiError(res.status, json.error.code, json.error.message);
  return json.data;
}

export async function api(method, path, body) {
  try {
    return await call(method, path, body);
  } catch (e) {
    if (e.status === 401) unauthorized();
    throw e;
  }
}

// A request whose body or answer is CSV (mapping tables): @file, when given,
// is sent as text/csv and the JSON envelope's data answered; without it a
// successful answer is the CSV text. Same credentials and 401 handling as api().
export async function csv(method, path, file) {
  const headers = { ...CSRF };
  if (file) headers["Content-Type"] = "text/csv";
  const res = await fetch("/api/v1" + path, {
    method, headers, credentials: "same-origin", cache: "no-store", body: file || undefined,
  });
  if (res.ok && !file) return res.text();
  let json;
  try {
    json = await res.json();
  } catch {
    throw new ApiError(res.status, "InternalError", "the server answered HTTP " + res.status);
  }
  if (json.error) {
    if (res.status === 401) unauthorized();
    throw new ApiError(res.status, json.error.code, json.error.message);
  }
  return json.data;
}

// The session: {scope} when the cookie is good, else null (not signed in).
export async function session() {
  try {
    return await call("GET", "/session");
  } catch (e) {
    if (e.status === 401) return null;
    throw e;
  }
}

// Signs in with @token (the token itself is forgotten once this returns).
export function signIn(token) {
  return call("POST", "/session", { token });
}

export function signOut() {
  return call("DELETE", "/session");
}

// Every item of a list, following next_cursor (bounded, for the pickers).
export async function all(path) {
  const items = [];
  let cursor = null;
  for (let page = 0; page < 20; page++) {
    const sep = path.includes("?") ? "&" : "?";
    const data = await api("GET", path + sep + "limit=500" + (cursor ? "&cursor=" + cursor : ""));
    items.push(...data.items);
    cursor = data.next_cursor;
    if (!cursor) break;
  }
  return items;
}
