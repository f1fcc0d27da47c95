// 红帆驿站 maps. The finder (#station-map with data-map): draws the shared layers
// (grid/maplayers.js, fetched from the cached map.json), the stations found and the rider's
// point; a tap or 我的位置 puts the point in the form and asks again. The registry's maps
// (#station-map-data in the page): the stations, and with data-pick a tap sets lon/lat.
(function () {
  "use strict";
  var OPEN = { radius: 9, color: "#1b5e20", fillColor: "#43a047", fillOpacity: 0.9, weight: 2 };
  var CLOSED = { radius: 8, color: "#616161", fillColor: "#bdbdbd", fillOpacity: 0.9, weight: 2 };
  var YOU = { radius: 7, color: "#0d47a1", fillColor: "#1e88e5", fillOpacity: 1, weight: 3 };

  function text(value) { return window.JicengMap.asText(value); }

  function finder(element) {
    var form = document.getElementById("finder-form");
    var lon = document.getElementById("id_lon"), lat = document.getElementById("id_lat");
    var status = document.getElementById("finder-status");
    var source = document.getElementById("station-points");
    var points = source ? JSON.parse(source.textContent) : [];
    if (!Array.isArray(points)) { points = []; }
    function go(latlng) {
      lon.value = latlng.lng.toFixed(6); lat.value = latlng.lat.toFixed(6);
      status.textContent = "正在查找附近的驿站……";
      form.submit();
    }
    var button = document.getElementById("use-location");
    button.addEventListener("click", function () {
      if (!navigator.geolocation || !window.isSecureContext) {
        status.textContent = "这个浏览器不能在此页面定位，请在地图上点一下您所在的位置。";
        return;
      }
      status.textContent = "正在获取您的位置……";
      navigator.geolocation.getCurrentPosition(function (p) {
        go(L.latLng(p.coords.latitude, p.coords.longitude));
      }, function () {
        status.textContent = "没有取得您的位置（可能未允许定位），请在地图上点一下您所在的位置。";
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });
    if (typeof L === "undefined" || !window.JicengMap) { return; }
    fetch(element.getAttribute("data-map"), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        var map = window.JicengMap.draw(element, data, { onLocate: go, fitAll: true });
        var shown = L.latLngBounds([]);
        points.forEach(function (p) {
          var at = L.latLng(p.lat, p.lon);
          shown.extend(at);
          if (p.you) { L.circleMarker(at, YOU).addTo(map).bindTooltip(text("您的位置")); return; }
          var marker = L.circleMarker(at, p.open ? OPEN : CLOSED).addTo(map);
          marker.bindTooltip(text(p.name));
          marker.on("click", function () { window.location.href = p.url; });
        });
        if (shown.isValid()) { map.fitBounds(shown.pad(0.3), { maxZoom: 16 }); }
        map.on("click", function (event) { go(event.latlng); });
        element.setAttribute("data-drawn", String(points.length));
      });
  }

  function registryMap(element, source) {
    if (typeof L === "undefined" || !window.JicengMap) { return; }
    var data = JSON.parse(source.textContent);
    var map = window.JicengMap.draw(element, data, { fitAll: true, onLocate: pick });
    var marker = null;
    var lon = document.getElementById("id_lon"), lat = document.getElementById("id_lat");
    var picked = document.getElementById("picked");
    var bounds = L.latLngBounds([]);
    (data.stations || []).forEach(function (s) {
      var at = L.latLng(s.lat, s.lon);
      bounds.extend(at);
      if (element.getAttribute("data-pick")) { return; }
      L.circleMarker(at, s.active ? OPEN : CLOSED).addTo(map).bindTooltip(text(s.name));
    });
    if (bounds.isValid() && !element.getAttribute("data-pick")) { map.fitBounds(bounds.pad(0.2), { maxZoom: 15 }); }
    function pick(latlng) {
      if (!element.getAttribute("data-pick")) { return; }
      lon.value = latlng.lng.toFixed(6); lat.value = latlng.lat.toFixed(6);
      if (marker) { marker.setLatLng(latlng); } else { marker = L.circleMarker(latlng, OPEN).addTo(map); }
      var where = map.whereIs(latlng);
      picked.textContent = "已选点：" + (where ? where + "（" + lon.value + ", " + lat.value + "）" : lon.value + ", " + lat.value + "（不在已知社区内）");
    }
    if (element.getAttribute("data-pick")) {
      if (lon.value && lat.value) {
        var at = L.latLng(parseFloat(lat.value), parseFloat(lon.value));
        marker = L.circleMarker(at, OPEN).addTo(map);
        map.setView(at, 15);
      }
      map.on("click", function (event) { pick(event.latlng); });
    }
  }

  function start() {
    var element = document.getElementById("station-map");
    if (!element) { return; }
    if (element.getAttribute("data-map")) { finder(element); return; }
    var source = document.getElementById("station-map-data");
    if (source) { registryMap(element, source); }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); }
  else { start(); }
})();
