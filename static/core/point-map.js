// A map centred on one point (a request's location), read from #map's data-lat / data-lng.
(function () {
  'use strict';
  var el = document.getElementById('map');
  if (!el || !window.L || !el.dataset.lat) { return; }
  var pt = [parseFloat(el.dataset.lat), parseFloat(el.dataset.lng)];
  var map = Linli.newMap('map').setView(pt, 17);
  L.marker(pt).addTo(map);
})();
