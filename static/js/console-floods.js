// SOS held back as a flood, on the console: a banner with how many wait, linking to "Held back".
//
// A flood behind one network (a hotel's Wi-Fi) holds back the real guests there too, and
// only the managers get an e-mail. The hub emits `floods.held` ({count}) on the /staff
// socket to this business's consoles at each held SOS and each release; it is not stored,
// so the count is read again from GET /api/v1/floods/count on every (re)connect (the count
// alone: never the held tickets, which GET /api/v1/floods reads to group them). Hidden by its
// ×, the banner stays hidden (this tab, this user) until another SOS is held.

import { api } from "./console-api.js";
import { t } from "./console-i18n.js";

export function watchFloods(socket) {
  const box = document.getElementById("flood-notice");
  if (!box) return;
  const text = document.getElementById("flood-notice-text");
  const live = document.getElementById("flood-notice-live");
  const key = `sos-hub.flood-notice-hidden:${document.getElementById("main").dataset.userId}`;
  let count = 0;

  const hiddenAt = () => {
    try {
      return Number(sessionStorage.getItem(key)) || 0;
    } catch {
      return 0;
    }
  };
  const remember = (value) => {
    try {
      if (value) sessionStorage.setItem(key, String(value));
      else sessionStorage.removeItem(key);
    } catch {
      // storage refused (private mode): hidden until the next change only
    }
  };

  const render = () => {
    // Fewer held than when hidden (some were released): any SOS held from now on is news.
    if (count < hiddenAt()) remember(count);
    text.textContent = t(count === 1 ? "flood.one" : "flood.many", { count });
    box.hidden = count <= 0 || count <= hiddenAt();
    // said once per change while the banner shows (the region is there from the start)
    live.textContent = box.hidden ? "" : text.textContent;
  };

  const load = async () => {
    try {
      const body = await api("GET", "/api/v1/floods/count");
      count = Number(body.held) || 0;
      render();
    } catch (error) {
      console.warn("held floods", error);
    }
  };

  document.getElementById("flood-notice-hide").addEventListener("click", () => {
    remember(count);
    box.hidden = true;
    live.textContent = "";
    // the focus goes on to the board, not to the page's start (a screen reader's place kept)
    document.getElementById("main").focus({ preventScroll: true });
  });
  socket.on("connect", load);
  socket.on("floods.held", (data) => {
    if (!data || typeof data.count !== "number") return;
    count = data.count;
    render();
  });
  if (socket.connected) load();
}
