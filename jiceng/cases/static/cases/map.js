// The picking map of the case form: a tap sets the hidden lon/lat fields. Without map tiles
// (the default) the grid outlines alone show where things are.
(function () {
  "use strict";
  // Names are typed by people (a grid called "<img onerror=...>" is still a name): a tooltip
  // gets a node whose textContent is set, since Leaflet would insert a string as HTML.
  function asText(text) {
    var node = document.createElement("span");
    node.textContent = text;
    return node;
  }
  function start() {
    var element = document.getElementById("case-map");
    var source = document.getElementById("case-map-data");
    if (!element || !source || typeof L === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    var lonInput = document.getElementById("id_lon");
    var latInput = document.getElementById("id_lat");
    var picked = document.getElementById("picked");
    var map = L.map(element, { zoomControl: true, attributionControl: false });
    if (data.tiles) { L.tileLayer(data.tiles, { maxZoom: 19 }).addTo(map); }
    var outlines = L.geoJSON(null, { style: { color: "#1d4f91", weight: 1, fillOpacity: 0.06 } });
    data.grids.forEach(function (grid) {
      var layer = L.geoJSON(grid.boundary);
      layer.eachLayer(function (shape) {
        shape.bindTooltip(function () { return asText(grid.name); }, { permanent: false });
        outlines.addLayer(shape);
      });
    });
    outlines.addTo(map);
    if (data.grids.length) { map.fitBounds(outlines.getBounds(), { padding: [10, 10] }); }
    else { map.setView([32.1, 118.9], 12); }
    var marker = null;
    function place(latlng) {
      var lon = latlng.lng.toFixed(6), lat = latlng.lat.toFixed(6);
      lonInput.value = lon; latInput.value = lat;
      if (marker) { marker.setLatLng(latlng); } else {
        marker = L.circleMarker(latlng, { radius: 8, color: "#c0392b", fillOpacity: 0.8 }).addTo(map);
      }
      picked.textContent = "已选点：" + lon + ", " + lat;
    }
    if (lonInput.value && latInput.value) {
      place(L.latLng(parseFloat(latInput.value), parseFloat(lonInput.value)));
    }
    map.on("click", function (event) { place(event.latlng); });
    outlines.on("click", function (event) { place(event.latlng); });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); }
  else { start(); }
})();
