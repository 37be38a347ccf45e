// "Held back": the SOS a filter held back, why, and Release / Block sender buttons; a flood's
// SOS can be released a whole network at a time.
// Held-back tickets are never pushed live, so the list loads on open and on Refresh.
// Customer text is shown with textContent only.
import { api } from "./lib/api.js";
import { clearFieldErrors, showApiError, showError, showFieldError, whileBusy } from "./lib/forms.js";
import { has, t as label, when as localTime } from "./lib/i18n.js";

{
  const rows = document.getElementById("held-rows");
  const status = document.getElementById("held-status");
  const more = document.getElementById("more");
  const blockFor = document.getElementById("block-for");
  let cursor = null;

  const reasonLabel = (reason) => label(has(`reason.${reason}`) ? `reason.${reason}` : "reason.filtered");

  // In the business's time zone (the page's <main data-timezone>), not the browser's.
  const timeZone = document.getElementById("main").dataset.timezone || undefined;
  const when = (iso) => localTime(iso, { dateStyle: "short", timeStyle: "short", timeZone });

  function cell(text, className) {
    const td = document.createElement("td");
    td.textContent = text;
    if (className) td.className = className;
    return td;
  }

  function button(text, className, onClick) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = className;
    b.textContent = text;
    b.addEventListener("click", onClick);
    return b;
  }

  function row(ticket) {
    const tr = document.createElement("tr");
    tr.dataset.ticketId = ticket.id;
    const message = document.createElement("td");
    const text = document.createElement("p");
    text.className = "held-text";
    text.style.whiteSpace = "pre-wrap";
    text.textContent = ticket.text;
    text.dir = "auto"; // Arabic or Hebrew reads right to left
    message.appendChild(text);
    const contact = ticket.contact || {};
    const who = ticket.anonymous ? label("anonymous")
      : [contact.name, contact.email, contact.phone].filter(Boolean).join(" · ");
    const extra = [who, ticket.repeat_count ? label("repeats", { count: ticket.repeat_count + 1 }) : ""]
      .filter(Boolean).join(" · ");
    if (extra) {
      const p = document.createElement("p");
      p.className = "help";
      p.textContent = extra;
      message.appendChild(p);
    }
    const actions = document.createElement("td");
    actions.className = "actions";
    actions.append(
      button(label("release"), "primary", () => release(ticket, tr)),
      button(label("warn"), "secondary", () => warn(ticket)),
      button(label("block"), "secondary", () => block(ticket)),
    );
    const place = (ticket.point && ticket.point.label) || (ticket.kiosk && ticket.kiosk.label) || "";
    tr.append(
      cell(String(ticket.number)),
      cell(when(ticket.created_at)),
      cell(place),
      cell(reasonLabel(ticket.quarantine_reason)),
      message,
      actions,
    );
    return tr;
  }

  function empty() {
    if (rows.children.length) return;
    const tr = document.createElement("tr");
    const td = cell(label("empty"), "help");
    td.colSpan = 6;
    tr.appendChild(td);
    tr.dataset.empty = "1";
    rows.appendChild(tr);
  }

  async function load(reset) {
    if (reset) cursor = null;
    const query = new URLSearchParams({ status: "quarantined", limit: "50" });
    if (cursor) query.set("cursor", String(cursor));
    try {
      const page = await api("GET", `/api/v1/tickets?${query}`);
      if (reset) rows.replaceChildren();
      rows.querySelectorAll("[data-empty]").forEach((tr) => tr.remove());
      page.items.forEach((ticket) => rows.appendChild(row(ticket)));
      cursor = page.next_cursor;
      more.hidden = !cursor;
      empty();
    } catch (err) {
      status.textContent = err.message;
    }
  }

  async function release(ticket, tr) {
    const buttons = [...tr.querySelectorAll("button")];
    if (buttons.some((b) => b.disabled)) return; // a double click: the first is on its way
    buttons.forEach((b) => { b.disabled = true; });
    try {
      await api("POST", `/api/v1/tickets/${encodeURIComponent(ticket.id)}/release`);
      status.textContent = label("released", { number: ticket.number });
    } catch (err) {
      buttons.forEach((b) => { b.disabled = false; });
      // 409: someone else released it meanwhile (on another screen, or a network's release)
      if (err.status !== 409) {
        status.textContent = err.message;
        return;
      }
      status.textContent = label("released-already", { number: ticket.number });
    }
    tr.remove();
    empty();
    if (ticket.quarantine_reason === "flood") loadFloods();
  }

  // Held back as a flood: one line per network (named by its oldest held SOS, never by its
  // address) and a button that releases all of that network's, oldest first.
  const floods = document.getElementById("floods");
  const floodGroups = document.getElementById("flood-groups");
  const mayReleaseNetworks = floods.dataset.release === "yes";

  function floodGroup(group) {
    const li = document.createElement("li");
    li.dataset.ticket = group.ticket;
    const text = document.createElement("span");
    text.id = `flood-${group.ticket}`;
    // "18:07 – 18:15" on one day, not the date twice
    const day = (iso) => localTime(iso, { dateStyle: "short", timeZone });
    const sameDay = day(group.first_at) === day(group.last_at);
    const to = sameDay ? localTime(group.last_at, { timeStyle: "short", timeZone }) : when(group.last_at);
    const times = { first: group.first_number, last: group.last_number, from: when(group.first_at), to };
    text.textContent = group.count === 1
      ? label("flood.group-one", times)
      : label("flood.group", { ...times, count: group.count });
    li.append(text);
    // A whole network at once is a manager's call (the API refuses an agent): an agent
    // releases its SOS one at a time in the table.
    if (!mayReleaseNetworks) return li;
    const go = button(label(group.count === 1 ? "flood.release-one" : "flood.release", { count: group.count }), "primary", () => releaseFlood(group, go));
    go.setAttribute("aria-describedby", text.id);
    li.append(go);
    return li;
  }

  async function loadFloods() {
    try {
      const page = await api("GET", "/api/v1/floods");
      floodGroups.replaceChildren(...page.items.map(floodGroup));
      floods.hidden = page.items.length === 0;
    } catch (err) {
      status.textContent = err.message;
    }
  }

  async function releaseFlood(group, go) {
    if (go.disabled || !window.confirm(label(group.count === 1 ? "flood.confirm-one" : "flood.confirm", { count: group.count }))) return;
    go.disabled = true; // a double click releases nothing twice (the server makes sure too)
    go.textContent = label("flood.releasing");
    let released = 0;
    let blocked = 0;
    // Up to the last SOS the line showed (and staff confirmed): none held since.
    const query = new URLSearchParams({ through: String(group.last_number) });
    try {
      for (;;) { // a few hundred at a time: ask again while some remain
        const done = await api("POST", `/api/v1/floods/${encodeURIComponent(group.ticket)}/release?${query}`);
        released += done.count;
        blocked += done.blocked || 0;
        if (!done.remaining || !(done.count || done.blocked)) break;
      }
      const said = released || !blocked ? [label(released === 1 ? "flood.released-one" : "flood.released", { count: released })] : [];
      // a sender blocked since (the flooder): theirs stay held back, marked "Blocked sender"
      if (blocked) said.push(label(blocked === 1 ? "flood.blocked-one" : "flood.blocked", { count: blocked }));
      status.textContent = said.join(" ");
    } catch (err) {
      status.textContent = err.message;
    }
    await Promise.all([load(true), loadFloods()]);
    // the line is gone with its button: the focus goes to the next network's, or to what
    // the release said (never dropped on the page's body, where a screen reader loses its place)
    const next = floods.hidden ? null : floods.querySelector("li button");
    if (next) next.focus();
    else status.focus();
  }

  async function block(ticket) {
    if (!window.confirm(label("confirm-block"))) return;
    const hours = parseFloat(blockFor.value);
    try {
      // The sender's own e-mail, phone and device (the API's default): never their network
      // address, which a whole hotel may share, nor a kiosk that every guest uses.
      await api("POST", `/api/v1/tickets/${encodeURIComponent(ticket.id)}/block`, {
        expires_in_hours: hours > 0 ? hours : null,
      });
      status.textContent = label("blocked", { number: ticket.number });
    } catch (err) {
      status.textContent = err.message;
    }
  }

  // "Warn sender": a private message to the sender's thread (and e-mail/SMS), from a canned
  // answer or free text; the SOS stays held back.
  const warnDialog = document.getElementById("warn-dialog");
  const warnForm = document.getElementById("warn-form");
  const warnAnswer = document.getElementById("warn-answer");
  const warnText = document.getElementById("warn-text");
  const warnError = document.getElementById("warn-error");
  let warned = null;
  let answers = [];

  async function warn(ticket) {
    warned = ticket;
    warnForm.reset();
    clearFieldErrors(warnForm);
    showError(warnError, "");
    const excerpt = ticket.text.length > 80 ? `${ticket.text.slice(0, 80)}…` : ticket.text;
    document.getElementById("warn-ticket").textContent =
      label("warn-ticket", { number: ticket.number, text: excerpt });
    while (warnAnswer.options.length > 1) warnAnswer.remove(1);
    answers = [];
    warnDialog.showModal();
    // Insults first: the answers for an unrelated or insulting complaint, placeholders filled.
    const query = ticket.quarantine_reason === "offensive" ? "?category=complaint_unrelated" : "";
    try {
      const page = await api("GET", `/api/v1/tickets/${encodeURIComponent(ticket.id)}/answers${query}`);
      if (warned !== ticket) return;
      answers = page.items || [];
      answers.forEach((a, i) => warnAnswer.add(new Option(`${a.title} (${a.language.toUpperCase()})`, String(i))));
    } catch (err) {
      showError(warnError, err.message);
    }
  }

  warnAnswer.addEventListener("change", () => {
    const chosen = answers[Number(warnAnswer.value)];
    if (warnAnswer.value !== "" && chosen) warnText.value = chosen.text;
  });
  document.getElementById("warn-cancel").addEventListener("click", () => warnDialog.close());
  warnForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const ticket = warned;
    clearFieldErrors(warnForm);
    showError(warnError, "");
    const text = warnText.value.trim();
    if (!text) {
      showFieldError(warnText, label("warn-empty"));
      warnText.focus();
      return;
    }
    await whileBusy(warnForm, async () => {
      try {
        await api("POST", `/api/v1/tickets/${encodeURIComponent(ticket.id)}/warning`, { text });
        warnDialog.close();
        status.textContent = label("warned", { number: ticket.number });
      } catch (err) {
        showApiError(warnForm, err, warnError);
      }
    });
  });

  document.getElementById("refresh").addEventListener("click", () => Promise.all([load(true), loadFloods()]));
  more.addEventListener("click", () => load(false));
  load(true);
  loadFloods();
}
