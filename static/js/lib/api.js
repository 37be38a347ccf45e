// The hub's JSON API as every staff and admin page calls it: the session cookie, the CSRF
// header on writes, the login page on 401, and the server's error (code, message, field).

import { t } from "./i18n.js";

export class ApiError extends Error {
  /** `field` is the input the server named ("recipients.0.to"), or "" when it named none. */
  constructor(status, code, message, field = "") {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

const SAFE = new Set(["GET", "HEAD"]);
// "text: String should have at most 2000 characters": the server puts the field first.
const FIELD_PREFIX = /^([A-Za-z_][\w.]*): /;

/**
 * Words for failures the server cannot word: by default the page's string table
 * ("error.network"); a page with a table of its own sets them here (the console does).
 */
export const messages = { network: "" };

/**
 * Where a 401 sends the user: the login page (the operator's, on pages whose <body> says
 * `data-login="/operator/login"`), back here afterwards.
 */
export function loginUrl() {
  const login = document.body.dataset.login || "/login";
  return login + "?next=" + encodeURIComponent(window.location.pathname + window.location.search);
}

export function goToLogin() {
  window.location.assign(loginUrl());
}

/**
 * Call the API and resolve with its JSON body (null for 204). `body` is sent as JSON unless
 * `type` is given: then it is sent as it is with that Content-Type (an uploaded file).
 * Rejects with an ApiError carrying the server's message and the field it named.
 */
export async function api(method, path, body, type) {
  const init = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
  if (!SAFE.has(method)) {
    // CSRF: a cross-site page cannot add a custom header without a CORS preflight.
    init.headers["X-Requested-With"] = "sos-hub";
    init.headers["Content-Type"] = type || "application/json";
    init.body = type ? body : JSON.stringify(body === undefined ? {} : body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiError(0, "network", messages.network || t("error.network"));
  }
  if (response.status === 401) {
    goToLogin(); // the session ended (logged out elsewhere, expired, or the user was deactivated)
    throw new ApiError(401, "unauthorized", "");
  }
  if (response.status === 204) return null;
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) {
    const error = (data && data.error) || {};
    const message = error.message || response.statusText || `HTTP ${response.status}`;
    const named = FIELD_PREFIX.exec(message);
    const field = error.field || (named ? named[1] : "");
    throw new ApiError(response.status, error.code || `http_${response.status}`, message, field);
  }
  return data;
}
