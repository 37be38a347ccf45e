// The hub's JSON API as the console uses it: cookie session, CSRF header, JSON errors.

import { t } from "./console-i18n.js";

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

const LOGIN = "/login?next=/console";

/** Call the API; resolves with the JSON body, rejects with an ApiError carrying the server's message. */
export async function api(method, path, body) {
  const init = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
  if (method !== "GET") {
    init.headers["X-Requested-With"] = "sos-hub";
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body === undefined ? {} : body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiError(0, "network", t("error.network"));
  }
  if (response.status === 401) {
    window.location.assign(LOGIN); // the session ended (logged out elsewhere or expired)
    throw new ApiError(401, "unauthorized", "");
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) {
    const error = (data && data.error) || {};
    throw new ApiError(response.status, error.code || `http_${response.status}`, error.message || response.statusText);
  }
  return data;
}

export function goToLogin() {
  window.location.assign(LOGIN);
}

/** Show `message` in an error element next to an action; empty hides it. */
export function showError(el, message) {
  if (!el) return;
  el.textContent = message || "";
  el.hidden = !message;
}
