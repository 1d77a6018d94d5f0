// The place page's map: the node's boundary or point and its children, each a link.
(function () {
  'use strict';
  var asText = window.Linli.asText;  // core/linli.js (loaded first, by base.html): names as text
  var el = document.getElementById('map');
  if (!el || !window.L) { return; }
  var map = Linli.newMap('map');
  var boundary = JSON.parse(document.getElementById('boundary').textContent);
  var point = el.dataset.lat ? [parseFloat(el.dataset.lat), parseFloat(el.dataset.lng)] : null;
  if (boundary) {
    var layer = L.geoJSON(boundary, {style: {color: '#c0392b', weight: 2, fillOpacity: 0.08}}).addTo(map);
    map.fitBounds(layer.getBounds());
  } else { map.setView(point, 17); }
  if (point) { L.circleMarker(point, {radius: 6, color: '#c0392b'}).addTo(map); }
  JSON.parse(document.getElementById('children').textContent).forEach(function (c) {
    var child = c.boundary
      ? L.geoJSON(c.boundary, {style: {color: '#555', weight: 1, fillOpacity: 0.05}})
      : L.circleMarker(c.point, {radius: 5, color: '#555'});
    child.bindTooltip(asText(c.name)).on('click', function () { window.location = c.url; }).addTo(map);
  });
})();
