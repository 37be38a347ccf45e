/* The survey on a kiosk (/s/<code>?via=kiosk): the form says which kiosk it comes from by
   the device token the kiosk screen keeps (static/js/kiosk.js), so the answer is counted
   as the kiosk's. Without it the answer is kept as one from the point's QR. A guest who
   walks away leaves nothing on screen: after IDLE_MS without a touch, back to /kiosk. */
(function () {
  "use strict";
  var IDLE_MS = 90000;
  var field = document.getElementById("device-token");
  var token = null;
  try { token = localStorage.getItem("sos-hub.kiosk-token"); } catch (e) { /* storage off */ }
  if (field && token) field.value = token;
  var timer = null;
  function arm() {
    clearTimeout(timer);
    timer = setTimeout(function () { location.href = "/kiosk"; }, IDLE_MS);
  }
  ["pointerdown", "keydown", "input"].forEach(function (name) {
    document.addEventListener(name, arm, { passive: true });
  });
  arm();
})();
