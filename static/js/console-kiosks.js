// Kiosks gone silent, on the console: a line per offline kiosk under the top bar, live.
//
// The hub flags a kiosk offline when it has not been heard from for its `offline_minutes`
// and back online with its next heartbeat (hub/accounts/kiosk_watch.py); each turn comes
// as `kiosk.status` on the /staff socket. On every (re)connect the list is read again from
// GET /api/v1/kiosks/status, so a console that was away misses nothing.

import { api } from "./console-api.js";
import { t, setTime } from "./console-i18n.js";

export function watchKiosks(socket) {
  const box = document.getElementById("kiosk-alerts");
  if (!box) return;
  const kiosks = new Map();

  const render = () => {
    const offline = [...kiosks.values()].filter((k) => !k.online);
    box.replaceChildren(
      ...offline.map((k) => {
        const li = document.createElement("li");
        li.dataset.kiosk = k.id;
        const text = document.createElement("span");
        text.textContent = t("kiosk.offline", { name: k.name || "?" });
        const when = document.createElement("time");
        setTime(when, k.last_seen_at || "");
        li.append(text, " ", t("kiosk.last_seen"), " ", when);
        return li;
      }),
    );
    box.hidden = offline.length === 0;
  };

  const load = async () => {
    try {
      const body = await api("GET", "/api/v1/kiosks/status");
      kiosks.clear();
      for (const k of body.items || []) kiosks.set(k.id, k);
      render();
    } catch (error) {
      console.warn("kiosk status", error);
    }
  };

  socket.on("connect", load);
  socket.on("kiosk.status", (k) => {
    if (!k || !k.id) return;
    kiosks.set(k.id, k);
    render();
  });
  if (socket.connected) load();
}
