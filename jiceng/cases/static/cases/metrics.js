// The ranking page: ECharts for the scores and the trend, Leaflet for grids and cases.
// Data comes from json_script blocks; the map needs no tiles (JICENG_MAP_TILE_URL may add them).
(function () {
  "use strict";

  // Names are typed by people (a grid called "<img onerror=...>" is still a name): a tooltip
  // gets a node whose textContent is set, since Leaflet would insert a string as HTML.
  function asText(text) {
    var node = document.createElement("span");
    node.textContent = text;
    return node;
  }

  function data(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function charts(metrics) {
    if (!window.echarts || !metrics) return;
    var rankingNode = document.getElementById("ranking-chart");
    if (rankingNode) {
      var rows = metrics.ranking.slice(0, 30);
      var chart = echarts.init(rankingNode);
      chart.setOption({
        tooltip: { trigger: "axis" },
        grid: { left: 8, right: 16, top: 24, bottom: 8, containLabel: true },
        xAxis: { type: "value", max: 100, name: "综合得分" },
        yAxis: { type: "category", inverse: true, data: rows.map(function (r) { return r.name; }) },
        series: [{ type: "bar", data: rows.map(function (r) { return r.score; }), label: { show: true, position: "right" } }]
      });
      window.addEventListener("resize", function () { chart.resize(); });
    }
    var trendNode = document.getElementById("trend-chart");
    if (trendNode) {
      var months = metrics.trend.map(function (t) { return t.month; });
      var line = function (name, key) {
        return { name: name, type: "line", yAxisIndex: 1, connectNulls: true,
                 data: metrics.trend.map(function (t) { return t[key]; }) };
      };
      var trend = echarts.init(trendNode);
      trend.setOption({
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        grid: { left: 8, right: 8, top: 40, bottom: 8, containLabel: true },
        xAxis: { type: "category", data: months },
        yAxis: [{ type: "value", name: "件" }, { type: "value", name: "%", max: 100 }],
        series: [
          { name: "受理", type: "bar", data: metrics.trend.map(function (t) { return t.total; }) },
          line("响应率", "response_rate"), line("解决率", "resolution_rate"), line("满意率", "satisfaction_rate")
        ]
      });
      window.addEventListener("resize", function () { trend.resize(); });
    }
  }

  function colour(count, most) {
    if (!count) return "#cfd8dc";
    var share = count / most;
    return share > 0.66 ? "#c62828" : share > 0.33 ? "#ef6c00" : "#f9a825";
  }

  function map(info) {
    var node = document.getElementById("case-map");
    if (!window.L || !node || !info) return;
    var m = L.map(node, { attributionControl: !!info.tiles });
    if (info.tiles) {
      // The basemap as on every map (grid.maps.basemap; see grid/maplayers.js).
      var options = { maxZoom: 18, subdomains: info.tiles.subdomains, referrerPolicy: "strict-origin" };
      m.attributionControl.setPrefix(false);
      L.tileLayer(info.tiles.url, L.extend({ attribution: info.tiles.attribution }, options)).addTo(m);
      if (info.tiles.labels) L.tileLayer(info.tiles.labels, options).addTo(m);
    }
    var most = Math.max.apply(null, [1].concat(info.grids.map(function (g) { return g.count; })));
    // The view comes first: vector layers added to a map without one cannot draw.
    var layers = [];
    var bounds = L.latLngBounds([]);
    info.grids.forEach(function (g) {
      var layer = L.geoJSON(JSON.parse(g.boundary), {
        style: { color: "#37474f", weight: 1, fillColor: colour(g.count, most), fillOpacity: 0.5 }
      }).bindTooltip(function () { return asText(g.name + "：" + g.count + " 件"); });
      layers.push(layer);
      bounds.extend(layer.getBounds());
    });
    info.cases.forEach(function (c) {
      var point = L.circleMarker([c[1], c[0]], {
        radius: 4, weight: 1, color: c[2] ? "#b71c1c" : "#1b5e20", fillOpacity: 0.8
      }).bindTooltip(function () { return asText(c[3] + (c[2] ? "（办理中）" : "（已办结）")); });
      layers.push(point);
      bounds.extend(point.getLatLng());
    });
    if (bounds.isValid()) m.fitBounds(bounds, { padding: [12, 12] });
    else m.setView([32.1, 118.9], 12);
    layers.forEach(function (layer) { layer.addTo(m); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    charts(data("metrics-data"));
    map(data("map-data"));
  });
})();
