// The /staff socket: resume from the last seq on every (re)connect, drop events already applied.

import { api, goToLogin } from "./console-api.js";

// The event names, from the model (hub/tickets/events.py) via the page.
export const EVENTS = JSON.parse(document.getElementById("main")?.dataset.events || "{}");
export const TICKET_EVENTS = [
  EVENTS.ticket_created, EVENTS.ticket_updated, EVENTS.message_posted, EVENTS.note_added,
  EVENTS.attachment_added,
];

/**
 * Connect to /staff with the session cookie. `seq` is a SeqTracker; `handlers[name](payload)`
 * runs once per event seq; `onState` gets "syncing" | "live" | "reconnecting".
 */
export function connectLive({ seq, handlers, onState }) {
  const socket = window.io("/staff", {
    transports: ["websocket", "polling"],
    tryAllTransports: true,
    reconnectionDelay: 500,
    reconnectionDelayMax: 5000,
  });

  const resume = () => socket.emit("resume", { since: seq.max });

  socket.on("connect", () => {
    onState("syncing");
    resume();
  });
  socket.on("resume.done", () => onState("live"));
  // The server's pub/sub was deaf for a while: catch up from the store.
  socket.on("resync", () => resume());
  socket.on("error", (error) => console.warn("hub socket error", error));

  for (const name of TICKET_EVENTS) {
    socket.on(name, (payload) => {
      if (!payload || !seq.accept(payload.seq)) return;
      try {
        handlers[name](payload);
      } catch (error) {
        console.error(`applying ${name} failed`, error);
      }
    });
  }

  socket.on("disconnect", async (reason) => {
    onState("reconnecting");
    if (reason === "io server disconnect") {
      // The hub closed this console on purpose (a logout elsewhere): still logged in?
      try {
        await api("GET", "/api/v1/me");
        socket.connect();
      } catch {
        /* api() already went to the login page on 401; otherwise retry below */
        window.setTimeout(() => socket.connect(), 3000);
      }
    }
  });
  socket.on("connect_error", (error) => {
    onState("reconnecting");
    if (error && error.message === "unauthorized") goToLogin();
    // The hub could not check the credential just now (its store was busy): a refusal the
    // client does not retry by itself, so try again in 1-5 s (spread, not all at once).
    else if (error && error.message === "unavailable") {
      window.setTimeout(() => socket.connect(), 1000 + Math.random() * 4000);
    }
  });
  // Coming back online: do not wait for the backoff timer.
  window.addEventListener("online", () => {
    if (!socket.connected) socket.connect();
  });
  return socket;
}
