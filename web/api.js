// api.js - the admin API client. The token lives in sessionStorage only (the
// tab's session; never localStorage) and goes out as a bearer header.
const KEY = "alerthub-token";

export function token() {
  return sessionStorage.getItem(KEY) || "";
}

export function setToken(t) {
  if (t) sessionStorage.setItem(KEY, t);
  else sessionStorage.removeItem(KEY);
}

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

export async function api(method, path, body) {
  const headers = { Authorization: "Bearer " + token() };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch("/api/v1" + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
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
