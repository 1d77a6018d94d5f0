/* The grid map: areas coloured by a figure, requests as grid-clustered points, optional tiles.
   Config comes from the json_script #insights-map-config; data from its data_url (same origin). */
(function () {
  'use strict';
  var asText = window.Linli.asText;  // core/linli.js (loaded first, by base.html): names as text

  // --- WGS84 → GCJ-02, only when the tile provider uses the GCJ-02 datum (LINLI_MAP_TILE_COORDS).
  var A = 6378245.0, EE = 0.00669342162296594323;
  function outOfChina(lat, lng) { return lng < 72.004 || lng > 137.8347 || lat < 0.8293 || lat > 55.8271; }
  function tLat(x, y) {
    var r = -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
    r += (20 * Math.sin(6 * x * Math.PI) + 20 * Math.sin(2 * x * Math.PI)) * 2 / 3;
    r += (20 * Math.sin(y * Math.PI) + 40 * Math.sin(y / 3 * Math.PI)) * 2 / 3;
    r += (160 * Math.sin(y / 12 * Math.PI) + 320 * Math.sin(y * Math.PI / 30)) * 2 / 3;
    return r;
  }
  function tLng(x, y) {
    var r = 300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
    r += (20 * Math.sin(6 * x * Math.PI) + 20 * Math.sin(2 * x * Math.PI)) * 2 / 3;
    r += (20 * Math.sin(x * Math.PI) + 40 * Math.sin(x / 3 * Math.PI)) * 2 / 3;
    r += (150 * Math.sin(x / 12 * Math.PI) + 300 * Math.sin(x / 30 * Math.PI)) * 2 / 3;
    return r;
  }
  function toGcj(lat, lng) {
    if (outOfChina(lat, lng)) { return [lat, lng]; }
    var dLat = tLat(lng - 105, lat - 35), dLng = tLng(lng - 105, lat - 35);
    var rad = lat / 180 * Math.PI, magic = 1 - EE * Math.sin(rad) * Math.sin(rad), sq = Math.sqrt(magic);
    dLat = (dLat * 180) / ((A * (1 - EE)) / (magic * sq) * Math.PI);
    dLng = (dLng * 180) / (A / sq * Math.cos(rad) * Math.PI);
    return [lat + dLat, lng + dLng];
  }

  var COLORS = ['#f1f5e9', '#fde0a8', '#f8a863', '#e8603c', '#b8322a'];

  function start() {
    var el = document.getElementById('insights-map');
    var cfgEl = document.getElementById('insights-map-config');
    if (!el || !cfgEl || typeof L === 'undefined') { return; }
    var cfg = JSON.parse(cfgEl.textContent);
    var shift = cfg.coords === 'gcj02' ? toGcj : function (lat, lng) { return [lat, lng]; };
    var map = Linli.newMap(el, { preferCanvas: true, zoomSnap: 0.5 });
    if (cfg.tiles) {
      L.tileLayer(cfg.tiles, { attribution: cfg.attribution || '', maxZoom: 19 }).addTo(map);
    }
    fetch(cfg.data_url, { credentials: 'same-origin' })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (data) { draw(map, data, shift); })
      .catch(function () { el.textContent = cfg.load_failed || '地图数据加载失败,请刷新重试。'; });
  }

  function classOf(value, breaks) {
    if (value === null || value === undefined) { return -1; }
    for (var i = 0; i < breaks.length; i++) { if (value <= breaks[i]) { return i; } }
    return breaks.length;
  }

  function draw(map, data, shift) {
    var values = data.areas.features.map(function (f) { return f.properties.value; })
      .filter(function (v) { return v !== null && v !== undefined; });
    var max = values.length ? Math.max.apply(null, values) : 0;
    var rate = data.figure === 'satisfaction';
    // Satisfaction: high is good, so the scale runs the other way (low satisfaction = dark red).
    var breaks = rate ? [0.6, 0.75, 0.85, 0.95] : [0, max * 0.25, max * 0.5, max * 0.75];
    var layer = L.geoJSON(data.areas, {
      coordsToLatLng: function (c) { var p = shift(c[1], c[0]); return L.latLng(p[0], p[1]); },
      style: function (f) {
        var k = classOf(f.properties.value, breaks);
        var idx = k < 0 ? 0 : (rate ? 4 - k : k);
        var weight = f.properties.kind === 'community' ? 2 : 1;
        return { color: '#555', weight: weight, fillColor: COLORS[idx], fillOpacity: f.properties.kind === 'community' ? 0.15 : 0.65 };
      },
      onEachFeature: function (f, l) {
        var v = f.properties.value;
        var shown = v === null || v === undefined ? '—' : (rate ? (v * 100).toFixed(1) + '%' : v);
        l.bindTooltip(asText(f.properties.name + ':' + data.label + ' ' + shown));
        l.on('click', function () { window.location.href = f.properties.href; });
      }
    }).addTo(map);
    var bounds = layer.getBounds();
    if (bounds.isValid()) { map.fitBounds(bounds); } else if (data.center) { map.setView(shift(data.center[0], data.center[1]), 15); } else { map.setView([31.77, 117.3], 13); }
    legend(data, breaks, rate);
    var pts = data.points.map(function (p) { var s = shift(p[1], p[2]); return { id: p[0], lat: s[0], lng: s[1] }; });
    var clusters = L.layerGroup().addTo(map);
    function recluster() { cluster(map, clusters, pts, data.ticket_url); }
    map.on('zoomend moveend', recluster);
    recluster();
    document.getElementById('insights-map').setAttribute('data-areas', data.areas.features.length);
    document.getElementById('insights-map').setAttribute('data-points', pts.length);
  }

  // Grid clustering: points falling in the same 60px screen cell become one marker with a count.
  function cluster(map, group, pts, ticketUrl) {
    group.clearLayers();
    var cell = 60, cells = {}, b = map.getBounds().pad(0.2);
    pts.forEach(function (p) {
      if (!b.contains([p.lat, p.lng])) { return; }
      var xy = map.latLngToLayerPoint([p.lat, p.lng]);
      var key = Math.floor(xy.x / cell) + ':' + Math.floor(xy.y / cell);
      var c = cells[key] || (cells[key] = { n: 0, lat: 0, lng: 0, id: p.id });
      c.n += 1; c.lat += p.lat; c.lng += p.lng;
    });
    Object.keys(cells).forEach(function (k) {
      var c = cells[k], at = [c.lat / c.n, c.lng / c.n];
      if (c.n === 1) {
        L.circleMarker(at, { radius: 6, color: '#fff', weight: 1, fillColor: '#b8322a', fillOpacity: 0.9 })
          .on('click', function () { window.location.href = ticketUrl.replace('{id}', c.id); }).addTo(group);
      } else {
        var size = 24 + Math.min(24, Math.round(Math.log(c.n) * 5));
        L.marker(at, { icon: L.divIcon({ className: 'ins-cluster', html: String(c.n), iconSize: [size, size] }) })
          .on('click', function () { map.setView(at, Math.min(map.getZoom() + 2, 19)); }).addTo(group);
      }
    });
  }

  function legend(data, breaks, rate) {
    var box = document.getElementById('map-legend');
    document.getElementById('map-legend-title').textContent = data.label + ':';
    var fmt = function (v) { return rate ? Math.round(v * 100) + '%' : Math.round(v); };
    var labels = rate
      ? ['≤' + fmt(breaks[0]), '≤' + fmt(breaks[1]), '≤' + fmt(breaks[2]), '≤' + fmt(breaks[3]), '>' + fmt(breaks[3])]
      : ['0', '≤' + fmt(breaks[1]), '≤' + fmt(breaks[2]), '≤' + fmt(breaks[3]), '>' + fmt(breaks[3])];
    labels.forEach(function (text, i) {
      var sw = document.createElement('span');
      var idx = rate ? 4 - i : i;
      sw.className = 'ins-swatch ins-sw' + idx;
      var t = document.createElement('span');
      t.textContent = text;
      box.appendChild(sw); box.appendChild(t);
    });
  }

  if (document.readyState === 'loading') { document.addEventListener('DOMContentLoaded', start); } else { start(); }
})();
