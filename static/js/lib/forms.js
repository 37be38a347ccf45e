// Form helpers every staff and admin page shares: messages next to a form, errors next to the
// input the server named (aria-invalid + aria-describedby), and a submit disabled while busy.

/** Show `message` in a box (an error or status line); empty clears it and hides an error box. */
export function showError(box, message) {
  if (!box) return;
  box.textContent = message || "";
  box.hidden = !message;
}

export function showStatus(box, message) {
  if (box) box.textContent = message || "";
}

function errorId(input) {
  if (!input.id) input.id = `field-${Math.random().toString(36).slice(2, 10)}`;
  return `${input.id}-error`;
}

function describedBy(input, id, on) {
  const ids = (input.getAttribute("aria-describedby") || "").split(/\s+/).filter((x) => x && x !== id);
  if (on) ids.push(id);
  if (ids.length) input.setAttribute("aria-describedby", ids.join(" "));
  else input.removeAttribute("aria-describedby");
}

/** Mark `input` invalid and say why right after it, read out with the input by screen readers. */
export function showFieldError(input, message) {
  if (!input) return;
  const id = errorId(input);
  let note = document.getElementById(id);
  if (!note) {
    note = document.createElement("p");
    note.id = id;
    note.className = "field-error";
    input.insertAdjacentElement("afterend", note);
  }
  note.textContent = message;
  input.setAttribute("aria-invalid", "true");
  describedBy(input, id, true);
}

/** Undo every showFieldError inside `form`. */
export function clearFieldErrors(form) {
  if (!form) return;
  for (const input of form.querySelectorAll('[aria-invalid="true"]')) {
    const id = `${input.id}-error`;
    const note = document.getElementById(id);
    if (note) note.remove();
    input.removeAttribute("aria-invalid");
    describedBy(input, id, false);
  }
}

/** The input the server meant by `field` ("words", "recipients.0.to"): by name, then by its first part. */
export function fieldInput(form, field) {
  if (!form || !field) return null;
  const byName = (name) => {
    const found = form.elements.namedItem(name);
    return found && found.length !== undefined && !found.tagName ? found[0] : found;
  };
  return byName(field) || byName(field.split(".")[0]) || null;
}

/**
 * Show an API error: the whole message in `box`, and the named field marked next to its
 * input (`locate(form, field)` finds inputs that are not named after the field).
 */
export function showApiError(form, error, box, locate = fieldInput) {
  showError(box, error.message);
  markField(form, error, locate);
}

/** Mark the input the server named in `error` (if the form has it) and move the focus there. */
export function markField(form, error, locate = fieldInput) {
  const input = error && error.field ? locate(form, error.field) : null;
  if (input) {
    showFieldError(input, error.message);
    input.focus();
  }
}

/** Run `work` with the form's submit buttons disabled and the form marked busy; then undo. */
export async function whileBusy(form, work) {
  const buttons = form ? [...form.querySelectorAll('button[type="submit"], button:not([type])')] : [];
  const was = buttons.map((b) => b.disabled);
  buttons.forEach((b) => { b.disabled = true; });
  if (form) form.setAttribute("aria-busy", "true");
  try {
    return await work();
  } finally {
    buttons.forEach((b, i) => { b.disabled = was[i]; });
    if (form) form.removeAttribute("aria-busy");
  }
}

// An input's example (its placeholder) follows the option picked in a select: each option
// carries its own in data-placeholder (an address for e-mail, a number for SMS). Returns
// what shows it again (after a form reset).
export function exampleFollows(select, input) {
  const show = () => { input.placeholder = select.selectedOptions[0]?.dataset.placeholder || ""; };
  select.addEventListener("change", show);
  show();
  return show;
}
