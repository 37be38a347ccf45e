/* The kiosk's service worker: the screen opens again when the hotel's Wi-Fi is down.

   Served at /kiosk-sw.js with scope /kiosk. Network first for the page and its static
   files, a copy kept; when the network fails, the copy. Nothing else is touched: the API
   and the socket always go to the network (the page keeps submissions in IndexedDB). */
"use strict";

var CACHE = "sos-hub-kiosk-v2";
// What the screen needs to open: kept at install, so the first offline reload works too.
var SHELL = [
  "/kiosk", "/static/css/hub.css", "/static/css/kiosk.css", "/static/vendor/socket.io.min.js",
  "/static/js/page-words.js", "/static/js/contact-rules.js", "/static/js/kiosk-queue.js",
  "/static/js/kiosk.js", "/static/vendor/libphonenumber-max.js"
];

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(CACHE).then(function (cache) { return cache.addAll(SHELL); })
      .catch(function () { /* offline at install: the network-first copies fill it later */ })
      .then(function () { return self.skipWaiting(); })
  );
});
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

function kept(request) {
  if (request.method !== "GET") return false;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return false;
  return request.mode === "navigate" || url.pathname.indexOf("/static/") === 0;
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (!kept(request)) return;
  event.respondWith(
    fetch(request).then(function (response) {
      if (response.ok) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
      }
      return response;
    }).catch(function () {
      return caches.open(CACHE).then(function (cache) {
        // the page in another language (?lang=fr) is still the kiosk: any copy will do
        return cache.match(request).then(function (hit) {
          return hit || cache.match(request, { ignoreSearch: true });
        });
      }).then(function (hit) {
        return hit || Response.error();
      });
    })
  );
});
