// "Use my location" on the report form; the messages come translated in data-* attributes.
(function () {
  'use strict';
  var button = document.getElementById('locate');
  if (!button) { return; }
  button.addEventListener('click', function () {
    var status = document.getElementById('locate-status');
    var d = button.dataset;
    if (!navigator.geolocation) { status.textContent = d.msgUnsupported; return; }
    status.textContent = d.msgLocating;
    navigator.geolocation.getCurrentPosition(function (pos) {
      document.getElementById('lat').value = pos.coords.latitude.toFixed(6);
      document.getElementById('lng').value = pos.coords.longitude.toFixed(6);
      status.textContent = d.msgDone;
    }, function () { status.textContent = d.msgFailed; }, {timeout: 8000});
  });
})();
