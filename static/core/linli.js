// Behaviour that used to be inline (onchange=, onsubmit=): declared with data-* attributes so the
// pages run under a Content-Security-Policy without 'unsafe-inline'.
(function () {
  'use strict';
  document.addEventListener('change', function (event) {
    var el = event.target;
    if (el && el.matches && el.matches('[data-autosubmit]') && el.form) { el.form.submit(); }
  });
  document.addEventListener('submit', function (event) {
    var form = event.target;
    var message = form && form.getAttribute && form.getAttribute('data-confirm');
    if (message && !window.confirm(message)) { event.preventDefault(); }
  }, true);
})();
