// The picking map of the case form: a tap (or 我的位置) sets the hidden lon/lat fields and
// says which street and community the point is in. The layers are the shared ones
// (grid/maplayers.js): outlines and names of streets, communities and grids.
(function () {
  "use strict";
  function start() {
    var element = document.getElementById("case-map");
    var source = document.getElementById("case-map-data");
    if (!element || !source || typeof L === "undefined" || !window.JicengMap) { return; }
    var data = JSON.parse(source.textContent);
    var lonInput = document.getElementById("id_lon");
    var latInput = document.getElementById("id_lat");
    var picked = document.getElementById("picked");
    var map = null, marker = null;
    function place(latlng) {
      var lon = latlng.lng.toFixed(6), lat = latlng.lat.toFixed(6);
      lonInput.value = lon; latInput.value = lat;
      if (marker) { marker.setLatLng(latlng); } else {
        marker = L.circleMarker(latlng, { radius: 8, color: "#c0392b", fillOpacity: 0.8 }).addTo(map);
      }
      var where = map.whereIs(latlng);
      picked.textContent = "已选点：" + (where ? where + "（" + lon + ", " + lat + "）" : lon + ", " + lat + "（不在已知社区内，请核对或填写地址）");
    }
    map = window.JicengMap.draw(element, data, { onLocate: place, fitAll: true });
    if (lonInput.value && latInput.value) {
      place(L.latLng(parseFloat(latInput.value), parseFloat(lonInput.value)));
    }
    map.on("click", function (event) { place(event.latlng); });
    element.setAttribute("data-drawn", String(data.features.length));
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); }
  else { start(); }
})();
