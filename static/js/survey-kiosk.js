/* The survey on a kiosk (/s/<code>?via=kiosk): the form says which kiosk it comes from by
   the device token the kiosk screen keeps (static/js/kiosk.js), so the answer is counted
   as the kiosk's. Without it the answer is kept as one from the point's QR. */
(function () {
  "use strict";
  var field = document.getElementById("device-token");
  var token = null;
  try { token = localStorage.getItem("sos-hub.kiosk-token"); } catch (e) { /* storage off */ }
  if (field && token) field.value = token;
})();
