// What every map of the site draws (window.JicengMap.draw): the basemap when one is set
// (JICENG_MAP_TILE_URL), the outlines of the streets and communities with their names, the
// grids with theirs, and a 我的位置 button. Data comes from grid.maps.map_data, in a
// json_script block. Without a basemap nothing is fetched from another host.
(function () {
  "use strict";

  // Names are typed by people (a grid called "<img onerror=...>" is still a name): labels and
  // tooltips get a node whose textContent is set, since Leaflet would insert a string as HTML.
  function asText(text) {
    var node = document.createElement("span");
    node.textContent = text;
    return node;
  }

  var STREET = 4, COMMUNITY = 5;
  var STYLES = {
    grid: { color: "#c0392b", weight: 1.2, fillColor: "#c0392b", fillOpacity: 0.08 },
    community: { color: "#1d4f91", weight: 2.2, fill: false, interactive: false },
    street: { color: "#4a148c", weight: 4, opacity: 0.55, fill: false, interactive: false }
  };

  // Point in polygon (even-odd over every ring), for "which community is this point in".
  function inRings(rings, x, y) {
    var inside = false;
    rings.forEach(function (ring) {
      for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
        var xi = ring[i][0], yi = ring[i][1], xj = ring[j][0], yj = ring[j][1];
        if ((yi > y) !== (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi) { inside = !inside; }
      }
    });
    return inside;
  }
  function contains(geometry, x, y) {
    if (!geometry) { return false; }
    if (geometry.type === "Polygon") { return inRings(geometry.coordinates, x, y); }
    if (geometry.type === "MultiPolygon") {
      return geometry.coordinates.some(function (rings) { return inRings(rings, x, y); });
    }
    return false;
  }

  function basemap(map, tiles) {
    if (!tiles) { return; }
    // The site sends no referrer to other hosts (same-origin), but a map service checks its
    // key against the site's domain: the tiles, and only they, send the origin (no path).
    var options = { maxZoom: 18, subdomains: tiles.subdomains || "abc", referrerPolicy: "strict-origin" };
    L.tileLayer(tiles.url, L.extend({ attribution: tiles.attribution || "" }, options)).addTo(map);
    if (tiles.labels) { L.tileLayer(tiles.labels, options).addTo(map); }
  }

  // Names written on the map, placed by priority: a name is shown when its area is wide
  // enough on screen to hold it and it would cover no name already shown, so zooming out
  // leaves the streets' names and zooming in adds the grids'.
  function Labels(map) {
    this.map = map;
    this.items = [];
    this.layer = L.layerGroup().addTo(map);
    var self = this;
    map.on("zoomend moveend resize", function () { self.place(); });
  }
  Labels.prototype.add = function (text, at, bounds, kind, extra) {
    var node = asText(text);
    var icon = L.divIcon({ className: "map-label map-label-" + kind, html: node, iconSize: null });
    var marker = L.marker(at, { icon: icon, interactive: false, keyboard: false });
    marker.addTo(this.layer);
    var element = marker.getElement();
    if (extra) { Object.keys(extra).forEach(function (k) { element.setAttribute(k, extra[k]); }); }
    this.items.push({ marker: marker, node: node, bounds: bounds, at: at, kind: kind });
  };
  Labels.prototype.place = function () {
    var map = this.map, shown = [];
    var size = map.getSize();
    // Zoomed out (communities narrower than a name), the streets' names come first; zoomed
    // in, the communities' and grids', and the page itself names the street.
    var widths = this.items.filter(function (i) { return i.kind === "community"; }).map(function (i) {
      return map.latLngToContainerPoint(i.bounds.getNorthEast()).x - map.latLngToContainerPoint(i.bounds.getSouthWest()).x;
    }).sort(function (a, b) { return a - b; });
    var overview = widths.length === 0 || widths[Math.floor(widths.length / 2)] < 90;
    var rank = overview ? { street: 0, community: 1, grid: 2 } : { community: 0, grid: 1, street: 2 };
    var ordered = this.items.slice().sort(function (a, b) { return rank[a.kind] - rank[b.kind]; });
    // Measure every name first, then hide: reading a size after each change would make the
    // browser lay the page out again once per name.
    this.items.forEach(function (item) {
      var element = item.marker.getElement();
      if (element) { element.style.display = ""; }
    });
    var sized = ordered.map(function (item) {
      if (item.width === undefined) {
        item.width = item.node.offsetWidth;
        item.height = item.node.offsetHeight;
      }
      return item;
    });
    sized.forEach(function (item) {
      var element = item.marker.getElement();
      if (!element) { return; }
      var w = item.width, h = item.height;
      var p = map.latLngToContainerPoint(item.at);
      var ne = map.latLngToContainerPoint(item.bounds.getNorthEast());
      var sw = map.latLngToContainerPoint(item.bounds.getSouthWest());
      var box = { x0: p.x - w / 2 - 2, x1: p.x + w / 2 + 2, y0: p.y - h / 2 - 1, y1: p.y + h / 2 + 1 };
      // A name may reach a little beyond its area (a street's, further: its neighbours'
      // names are written small or not at all at that zoom).
      var reach = item.kind === "street" ? 0.6 : 0.8;
      var fits = ne.x - sw.x >= w * reach && sw.y - ne.y >= h * 1.4;
      if (item.kind === "street" && !overview) { fits = false; }
      var onScreen = box.x1 > 0 && box.x0 < size.x && box.y1 > 0 && box.y0 < size.y;
      var free = fits && onScreen && shown.every(function (o) {
        return box.x1 < o.x0 || box.x0 > o.x1 || box.y1 < o.y0 || box.y0 > o.y1;
      });
      item.visible = free;
      if (free) { shown.push(box); }
    });
    sized.forEach(function (item) {
      var element = item.marker.getElement();
      if (element && !item.visible) { element.style.display = "none"; }
    });
  };

  // The 我的位置 button: the browser's location (WGS-84, as the platform stores), shown on
  // the map and handed to `onLocate`; a refusal is said in words beside the map.
  var REFUSED = {
    1: "您没有允许本网站获取位置。可在浏览器或手机设置中允许定位后再试，也可以直接在地图上点选位置。",
    2: "暂时无法获取您的位置（请打开手机的定位服务），也可以直接在地图上点选位置。",
    3: "获取位置超时，请再试一次，或直接在地图上点选位置。"
  };
  function locateControl(map, status, onLocate) {
    var marker = null, circle = null;
    function say(text, isError) {
      status.textContent = text;
      status.className = "map-status" + (isError ? " map-status-error" : "");
    }
    function found(position) {
      var latlng = L.latLng(position.coords.latitude, position.coords.longitude);
      var radius = Math.min(position.coords.accuracy || 0, 2000);
      if (circle) { circle.setLatLng(latlng).setRadius(radius); } else {
        circle = L.circle(latlng, { radius: radius, color: "#1976d2", weight: 1, fillOpacity: 0.12, interactive: false }).addTo(map);
        marker = L.circleMarker(latlng, { radius: 7, color: "#fff", weight: 2, fillColor: "#1976d2", fillOpacity: 1, interactive: false }).addTo(map);
      }
      marker.setLatLng(latlng);
      map.setView(latlng, Math.max(map.getZoom(), 16));
      say("已定位到您的位置（误差约" + Math.round(position.coords.accuracy || 0) + "米）。", false);
      if (onLocate) { onLocate(latlng); }
    }
    var Control = L.Control.extend({
      options: { position: "topright" },
      onAdd: function () {
        var button = L.DomUtil.create("button", "map-locate");
        button.type = "button";
        button.textContent = "◎ 我的位置";
        button.setAttribute("aria-label", "我的位置");
        L.DomEvent.disableClickPropagation(button);
        L.DomEvent.on(button, "click", function () {
          if (!navigator.geolocation || !window.isSecureContext) {
            say("这个浏览器不能在此页面定位（需要通过 HTTPS 访问），请直接在地图上点选位置。", true);
            return;
          }
          say("正在获取您的位置……", false);
          navigator.geolocation.getCurrentPosition(found, function (error) {
            say(REFUSED[error.code] || REFUSED[2], true);
          }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
        });
        return button;
      }
    });
    new Control().addTo(map);
  }

  // Draw `data` (grid.maps.map_data) in `holder`; `options.gridTooltip(feature)` gives a
  // grid's tooltip text, `options.onLocate(latlng)` receives the located point, and
  // `options.fitAll` shows every outline (not only the grids) at first.
  function draw(holder, data, options) {
    options = options || {};
    var map = L.map(holder, { zoomSnap: 0.25, attributionControl: !!data.tiles });
    if (data.tiles) { map.attributionControl.setPrefix(false); }
    basemap(map, data.tiles);
    var status = document.createElement("p");
    status.className = "map-status";
    status.setAttribute("aria-live", "polite");
    holder.insertAdjacentElement("afterend", status);

    var grids = L.geoJSON(data, {
      style: function () { return STYLES.grid; },
      onEachFeature: function (feature, shape) {
        var text = options.gridTooltip ? options.gridTooltip(feature) : feature.properties.name;
        shape.bindTooltip(function () { return asText(text); });
        shape.on("add", function () {
          var el = shape.getElement && shape.getElement();
          if (el) { el.setAttribute("data-grid-code", feature.properties.code); }
        });
      }
    }).addTo(map);
    var divisions = (data.divisions && data.divisions.features) || [];
    var communities = divisions.filter(function (f) { return f.properties.level === COMMUNITY; });
    var streets = divisions.filter(function (f) { return f.properties.level === STREET; });
    var outlines = L.layerGroup().addTo(map);
    [[communities, "community"], [streets, "street"]].forEach(function (pair) {
      pair[0].forEach(function (f) {
        var shape = L.geoJSON(f, { style: STYLES[pair[1]], interactive: false });
        shape.addTo(outlines);
        f.bounds = shape.getBounds();
      });
    });

    // The view: the grids (a grid worker's own), or with `fitAll` every outline too.
    var whole = L.latLngBounds([]);
    if (grids.getLayers().length) { whole.extend(grids.getBounds()); }
    if (options.fitAll || !whole.isValid()) {
      divisions.forEach(function (f) { whole.extend(f.bounds); });
    }
    if (whole.isValid()) { map.fitBounds(whole, { padding: [8, 8] }); } else { map.setView([32.1, 118.9], 12); }

    var labels = new Labels(map);
    communities.forEach(function (f) {
      var at = L.latLng(f.properties.label[1], f.properties.label[0]);
      labels.add(f.properties.name, at, f.bounds, "community", { "data-division-code": f.properties.code });
    });
    streets.forEach(function (f) {
      var at = L.latLng(f.properties.label[1], f.properties.label[0]);
      labels.add(f.properties.name, at, f.bounds, "street", { "data-division-code": f.properties.code });
    });
    grids.eachLayer(function (shape) {
      var f = shape.feature, bounds = shape.getBounds();
      var at = L.latLng(f.properties.label[1], f.properties.label[0]);
      labels.add(f.properties.name, at, bounds, "grid", { "data-grid-label": f.properties.code });
    });
    labels.place();
    // Grids too small to tell apart on screen are drawn faint, so the outlines read.
    function fade() {
      var first = grids.getLayers()[0];
      if (!first) { return; }
      var b = first.getBounds();
      var width = map.latLngToContainerPoint(b.getNorthEast()).x - map.latLngToContainerPoint(b.getSouthWest()).x;
      grids.setStyle(width < 40 ? { opacity: 0.3, weight: 0.6 } : { opacity: 1, weight: STYLES.grid.weight });
    }
    map.on("zoomend", fade);
    fade();
    locateControl(map, status, options.onLocate);

    // Which street and community a point lies in, by their outlines.
    map.whereIs = function (latlng) {
      var names = [];
      streets.concat(communities).forEach(function (f) {
        if (contains(f.geometry, latlng.lng, latlng.lat)) { names.push(f.properties.name); }
      });
      return names.join(" ");
    };
    return map;
  }

  window.JicengMap = { draw: draw, asText: asText };
})();
