/* The patrol page: fill the finding's location and send track points while a patrol is open. */
(function () {
  "use strict";
  var SEND_EVERY_MS = 60000;
  function csrf() {
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }
  function start() {
    var current = document.getElementById("patrol-current");
    if (!current || !navigator.geolocation) { return; }
    var pending = [];
    navigator.geolocation.watchPosition(function (pos) {
      var lon = pos.coords.longitude, lat = pos.coords.latitude;
      document.querySelectorAll(".here-lon").forEach(function (el) { el.value = lon; });
      document.querySelectorAll(".here-lat").forEach(function (el) { el.value = lat; });
      pending.push([lon, lat, new Date(pos.timestamp).toISOString()]);
    }, function () {}, { enableHighAccuracy: true, maximumAge: 30000 });
    setInterval(function () {
      if (!pending.length) { return; }
      var points = pending.splice(0, pending.length);
      fetch(current.getAttribute("data-track-url"), {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
        body: JSON.stringify({ points: points })
      }).then(function (r) { return r.ok ? r.json() : null; }).then(function (body) {
        var counter = document.getElementById("patrol-points");
        if (body && counter) { counter.textContent = body.points; }
      });
    }, SEND_EVERY_MS);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
