// Filters admin page: the tenant's filter settings, "try a message", and blocked senders.
// Customer text is shown with textContent only.
import { ApiError, api } from "./lib/api.js";
import { clearFieldErrors, exampleFollows, showApiError, showError as show, whileBusy } from "./lib/forms.js";
import { t as label, when } from "./lib/i18n.js";

const lines = (text) => text.split("\n").map((s) => s.trim()).filter(Boolean);

// Settings ------------------------------------------------------------------------------
const form = document.getElementById("filters-form");
const formError = document.getElementById("filters-error");
const formStatus = document.getElementById("filters-status");

function fill(config) {
  form.querySelectorAll('input[name="check"]').forEach((box) => {
    box.checked = Boolean(config.checks[box.value]);
  });
  form.words.value = (config.words || []).join("\n");
  form.allow.value = (config.allow || []).join("\n");
  form.spam_phrases.value = (config.spam_phrases || []).join("\n");
  form.repeat_window_minutes.value = config.repeat_window_minutes;
  form.mask_for_agents.checked = Boolean(config.mask_for_agents);
  form.trusted_networks.value = (config.trusted_networks || []).join("\n");
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  show(formError, "");
  clearFieldErrors(form);
  formStatus.textContent = "";
  const checks = {};
  form.querySelectorAll('input[name="check"]').forEach((box) => { checks[box.value] = box.checked; });
  const body = {
    checks,
    words: lines(form.words.value),
    allow: lines(form.allow.value),
    spam_phrases: lines(form.spam_phrases.value),
    repeat_window_minutes: parseInt(form.repeat_window_minutes.value, 10) || 10,
    mask_for_agents: form.mask_for_agents.checked,
    trusted_networks: lines(form.trusted_networks.value),
  };
  await whileBusy(form, async () => {
    try {
      fill(await api("PUT", "/api/v1/filters", body));
      formStatus.textContent = label("saved");
    } catch (err) {
      showApiError(form, localNetworkError(err), formError);
    }
  });
});

// A trusted network the server refused, said in the page's language with the entry named
// ("trusted_networks: 'hotel wifi' is not an IPv4 or IPv6 address or network …").
function localNetworkError(err) {
  const found = err && err.field === "trusted_networks"
    ? /^trusted_networks: (['"])(.*)\1 is (not|too wide)/.exec(err.message || "") : null;
  if (!found) return err;
  const key = found[3] === "not" ? "bad-network" : "wide-network";
  const message = label(key, { entry: found[2] });
  return new ApiError(err.status, err.code, message, err.field);
}

// Try a message -------------------------------------------------------------------------
const tryForm = document.getElementById("try-form");
const tryResult = document.getElementById("try-result");

tryForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  tryResult.replaceChildren();
  const text = tryForm.elements.namedItem("text").value.trim();
  if (!text) return;
  try {
    const result = await api("POST", "/api/v1/filters/test", { text });
    const verdict = document.createElement("p");
    verdict.className = result.reason ? "error" : "status-msg";
    verdict.textContent = result.reason
      ? label("held", { reason: label(`reason.${result.reason}`) })
      : label("passes");
    tryResult.appendChild(verdict);
    if (result.findings.length) {
      const list = document.createElement("ul");
      for (const finding of result.findings) {
        const item = document.createElement("li");
        item.textContent = `${label(`finding.${finding.kind}`)}: ${finding.text}`;
        list.appendChild(item);
      }
      tryResult.appendChild(list);
    }
    if (result.masked !== text) {
      const masked = document.createElement("p");
      masked.textContent = `${label("masked")} ${result.masked}`;
      tryResult.appendChild(masked);
    }
  } catch (err) {
    const p = document.createElement("p");
    p.className = "error";
    p.textContent = err.message;
    tryResult.appendChild(p);
  }
});

// Blocked senders -----------------------------------------------------------------------
const rows = document.getElementById("block-rows");
const blocksStatus = document.getElementById("blocks-status");
const blockForm = document.getElementById("block-form");
const blockError = document.getElementById("block-error");
// The value box's example follows the kind (an address for e-mail, a number for phone...).
const blockExample = exampleFollows(blockForm.kind, blockForm.elements.namedItem("value"));

function renderBlocks(items) {
  rows.replaceChildren();
  if (!items.length) {
    const tr = document.createElement("tr");
    const td = document.createElement("td");
    td.colSpan = 3;
    td.className = "help";
    td.textContent = label("none");
    tr.appendChild(td);
    rows.appendChild(tr);
    return;
  }
  for (const block of items) {
    const tr = document.createElement("tr");
    const who = document.createElement("td");
    const kind = label(`kind.${block.kind}`);
    const shown = block.value !== null ? block.value : label("from-ticket", { number: block.ticket_number });
    who.textContent = `${kind}: ${shown}`;
    if (block.note) {
      const note = document.createElement("div");
      note.className = "help";
      note.textContent = block.note;
      who.appendChild(note);
    }
    const until = document.createElement("td");
    until.textContent = !block.expires_at ? label("never")
      : block.active ? when(block.expires_at) : `${when(block.expires_at)} (${label("expired")})`;
    const actions = document.createElement("td");
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "link";
    remove.textContent = label("remove");
    remove.addEventListener("click", async () => {
      if (!window.confirm(label("confirm-remove"))) return;
      try {
        await api("DELETE", `/api/v1/blocks/${encodeURIComponent(block.id)}`);
        blocksStatus.textContent = label("removed");
        await loadBlocks();
      } catch (err) {
        blocksStatus.textContent = err.message;
      }
    });
    actions.appendChild(remove);
    tr.append(who, until, actions);
    rows.appendChild(tr);
  }
}

async function loadBlocks() {
  renderBlocks((await api("GET", "/api/v1/blocks")).items);
}

blockForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  show(blockError, "");
  clearFieldErrors(blockForm);
  const hours = parseFloat(blockForm.expires_in_hours.value);
  const body = {
    kind: blockForm.kind.value,
    value: blockForm.elements.namedItem("value").value.trim(),
    expires_in_hours: hours > 0 ? hours : null,
    note: blockForm.note.value.trim() || null,
  };
  await whileBusy(blockForm, async () => {
    try {
      await api("POST", "/api/v1/blocks", body);
      blockForm.reset();
      blockExample();
      blocksStatus.textContent = label("blocked");
      await loadBlocks();
    } catch (err) {
      showApiError(blockForm, err, blockError);
    }
  });
});

api("GET", "/api/v1/filters").then(fill).catch((err) => show(formError, err.message));
loadBlocks().catch((err) => { blocksStatus.textContent = err.message; });
