/* The map of grids: polygons from the page's json_script, tiles only if a URL is set. */
(function () {
  "use strict";
  // Names are typed by people (a grid called "<img onerror=...>" is still a name): a tooltip
  // gets a node whose textContent is set, since Leaflet would insert a string as HTML.
  function asText(text) {
    var node = document.createElement("span");
    node.textContent = text;
    return node;
  }
  function draw() {
    var holder = document.getElementById("grid-map");
    var source = document.getElementById("grid-map-data");
    if (!holder || !source || typeof L === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    var map = L.map(holder, { zoomSnap: 0.25 });
    if (data.tiles) {
      L.tileLayer(data.tiles, { maxZoom: 19 }).addTo(map);
    }
    var layer = L.geoJSON(data, {
      style: function () { return { color: "#c0392b", weight: 1.5, fillOpacity: 0.15 }; },
      onEachFeature: function (feature, shape) {
        var label = feature.properties.name + "（" + feature.properties.code + "）";
        shape.bindTooltip(function () { return asText(label); });
        if (shape.getElement) {
          shape.on("add", function () {
            var el = shape.getElement();
            if (el) { el.setAttribute("data-grid-code", feature.properties.code); }
          });
        }
      }
    }).addTo(map);
    if (data.features.length) {
      map.fitBounds(layer.getBounds(), { padding: [10, 10] });
    } else {
      map.setView([32.1, 118.9], 12);
    }
    holder.setAttribute("data-drawn", String(data.features.length));
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
