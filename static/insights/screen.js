/* 大屏: fetch the same page every N seconds (data-refresh-seconds) and swap its body in place,
   so the command-room screen never flashes blank; on a failed fetch keep the last figures. */
(function () {
  'use strict';
  var seconds = parseInt(document.body.getAttribute('data-refresh-seconds'), 10) || 60;

  function refresh() {
    fetch(window.location.href, { credentials: 'same-origin', headers: { 'X-Requested-With': 'fetch' } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, 'text/html');
        var fresh = doc.getElementById('screen-body');
        var here = document.getElementById('screen-body');
        if (fresh && here) {
          here.replaceWith(fresh);
          if (window.linliInsightsDraw) { window.linliInsightsDraw(); }
        }
      })
      .catch(function () { /* offline for a moment: keep showing the last figures */ })
      .then(function () { window.setTimeout(refresh, seconds * 1000); });
  }
  window.setTimeout(refresh, seconds * 1000);
})();
