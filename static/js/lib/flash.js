// A note that survives the page's reload: a settings page saves through the API, reloads so
// every list shows what the hub now holds, then says what happened ("Saved.") in #flash.

/** Keep `message` (and the id of what it is about) under `key`, then reload the page. */
export function flashAfterReload(key, message, focusId) {
  sessionStorage.setItem(key, JSON.stringify({ message, focusId }));
  window.location.reload();
}

/** The note kept under `key` before the reload, shown in #flash (once); null if none. */
export function showFlash(key) {
  const pending = sessionStorage.getItem(key);
  if (!pending) return null;
  sessionStorage.removeItem(key);
  const { message, focusId } = JSON.parse(pending);
  const flash = document.getElementById("flash");
  flash.textContent = message;
  return { flash, target: (focusId && document.getElementById(focusId)) || null };
}
