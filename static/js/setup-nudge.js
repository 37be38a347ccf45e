// The console's "finish setting up" link for managers: hidden for good (in this browser, for
// this business) once dismissed. The server stops drawing it when the checklist is complete.
const nudge = document.getElementById("setup-nudge");
const key = `sos-hub.setup-nudge-hidden:${nudge.dataset.tenant}`;

function hidden() {
  try {
    return localStorage.getItem(key) === "1";
  } catch {
    return false; // storage refused (private mode): the link stays, which is harmless
  }
}

if (hidden()) nudge.hidden = true;
document.getElementById("setup-nudge-hide").addEventListener("click", () => {
  nudge.hidden = true;
  try {
    localStorage.setItem(key, "1");
  } catch {
    // hidden for this visit only
  }
});
