// 党建驾驶舱: each tile's chart from the page's json_script data (a small, fixed shape:
// {kind: "bar"|"line", categories, series: [{name, data}]}), and a map of located cases
// (Leaflet; the base tiles only where a tile URL is set, so it works offline too).
(function () {
  "use strict";
  function option(spec, dark) {
    var bar = spec.kind === "bar";
    var text = dark ? "#e8eef7" : "#333";
    var category = { type: "category", data: spec.categories, axisLabel: { color: text, hideOverlap: true } };
    // 12,000 → "1.2万": long numbers side by side under a bar chart ran into each other
    var compact = function (v) { return Math.abs(v) >= 10000 ? (v / 10000).toFixed(v % 10000 ? 1 : 0) + "万" : String(v); };
    var value = { type: "value", axisLabel: { color: text, formatter: compact, hideOverlap: true } };
    return {
      animation: false,
      textStyle: { color: text },
      tooltip: { trigger: "axis", confine: true },
      legend: spec.series.length > 1 ? { textStyle: { color: text }, top: 0 } : undefined,
      grid: { left: bar ? 110 : 40, right: 16, top: spec.series.length > 1 ? 28 : 12, bottom: 28 },
      xAxis: bar ? value : category,
      yAxis: bar ? { type: "category", data: spec.categories, axisLabel: { color: text, width: 100, overflow: "truncate" } } : value,
      series: spec.series.map(function (s) {
        return { type: spec.kind, name: s.name, data: s.data, connectNulls: false };
      })
    };
  }
  function draw() {
    var source = document.getElementById("cockpit-charts");
    var dark = !!document.querySelector(".cockpit-screen");
    var drawn = [];
    if (source && window.echarts) {
      var charts = JSON.parse(source.textContent);
      document.querySelectorAll("[data-chart]").forEach(function (el) {
        var spec = charts[el.getAttribute("data-chart")];
        if (!spec) { return; }
        if (spec.kind === "bar") { el.style.height = Math.max(160, 22 * spec.categories.length + 50) + "px"; }
        var chart = window.echarts.init(el);
        chart.setOption(option(spec, dark));
        el.setAttribute("data-drawn", "1");
        drawn.push(chart);
      });
    }
    window.addEventListener("resize", function () { drawn.forEach(function (c) { c.resize(); }); });
    var mapSource = document.getElementById("cockpit-maps");
    if (!mapSource || typeof L === "undefined") { return; }
    var maps = JSON.parse(mapSource.textContent);
    if (!maps) { return; }
    document.querySelectorAll("[data-map]").forEach(function (el) {
      var layer = maps.layers[el.getAttribute("data-map")];
      if (!layer || !layer.cases.length) { return; }
      var map = L.map(el, { attributionControl: !!maps.tiles });
      if (maps.tiles) {
        L.tileLayer(maps.tiles.url, { subdomains: maps.tiles.subdomains, attribution: maps.tiles.attribution }).addTo(map);
      }
      var points = layer.cases.map(function (c) {
        return L.circleMarker([c[1], c[0]], { radius: 5, color: c[2] ? "#c0392b" : "#2e7d32", fillOpacity: 0.7 })
          .bindTooltip(c[3] + (c[2] ? "（未办结）" : ""))
          .addTo(map);
      });
      map.fitBounds(L.featureGroup(points).getBounds(), { padding: [12, 12] });
      el.setAttribute("data-drawn", String(points.length));
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
