/* The map of grids: the shared layers (maplayers.js) with each grid's name and code. */
(function () {
  "use strict";
  function start() {
    var holder = document.getElementById("grid-map");
    var source = document.getElementById("grid-map-data");
    if (!holder || !source || typeof L === "undefined" || !window.JicengMap) { return; }
    var data = JSON.parse(source.textContent);
    window.JicengMap.draw(holder, data, {
      gridTooltip: function (f) { return f.properties.name + "（" + f.properties.code + "）"; }
    });
    holder.setAttribute("data-drawn", String(data.features.length));
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
