// Behaviour that used to be inline (onchange=, onsubmit=): declared with data-* attributes so the
// pages run under a Content-Security-Policy without 'unsafe-inline'.
(function () {
  'use strict';
  // A period number select ([data-period-number], options with data-kinds="month quarter") offers only
  // the numbers of the kind chosen in its form's [data-period-kind] select; a year needs none. The
  // server checks the pair as well. On load, the option already chosen stays (a refused form shows it).
  function fitPeriod(kindSelect, keepChosen) {
    var number = kindSelect.form && kindSelect.form.querySelector('[data-period-number]');
    if (!number) { return; }
    var kind = kindSelect.value;
    var first = null;
    Array.prototype.forEach.call(number.options, function (option) {
      var fits = (option.getAttribute('data-kinds') || '').split(' ').indexOf(kind) >= 0;
      var shown = fits || (keepChosen && option.selected);
      option.hidden = !shown;
      option.disabled = !shown;
      if (fits && first === null) { first = option; }
    });
    number.disabled = first === null;
    var chosen = number.options[number.selectedIndex];
    if (first !== null && (!chosen || chosen.disabled)) { first.selected = true; }
  }
  document.addEventListener('change', function (event) {
    var el = event.target;
    if (el && el.matches && el.matches('[data-autosubmit]') && el.form) { el.form.submit(); }
    if (el && el.matches && el.matches('[data-period-kind]')) { fitPeriod(el, false); }
  });
  document.addEventListener('submit', function (event) {
    var form = event.target;
    var message = form && form.getAttribute && form.getAttribute('data-confirm');
    if (message && !window.confirm(message)) { event.preventDefault(); }
  }, true);
  document.querySelectorAll('[data-period-kind]').forEach(function (el) { fitPeriod(el, true); });
  // A table wider than its box scrolls sideways inside itself (on a phone every table.plain does, see
  // linli.css; on a desk the *-scroll wrappers do). A keyboard must reach such a region to scroll it with
  // the arrow keys (WCAG 2.1.1, axe's scrollable-region-focusable): when it holds no link or button to
  // tab to, its table takes a Tab stop — only while it overflows, so a table that fits adds none.
  var WRAPPERS = '.dt-scroll, .gr-scroll, .ins-scroll, .rt-scroll, .tm-scroll';
  var FOCUSABLE = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]:not([data-scroll-stop])';
  function scrolls(box) {
    return box && getComputedStyle(box).overflowX !== 'visible' && box.scrollWidth > box.clientWidth + 1;
  }
  function reachableScrollers() {
    document.querySelectorAll('table').forEach(function (table) {
      var wrapper = table.parentElement && table.parentElement.matches(WRAPPERS) ? table.parentElement : null;
      var box = scrolls(table) ? table : (scrolls(wrapper) ? wrapper : null);
      var needed = box && !box.matches(FOCUSABLE) && !box.querySelector(FOCUSABLE);
      if (needed && !table.hasAttribute('tabindex')) {
        table.setAttribute('tabindex', '0');
        table.setAttribute('data-scroll-stop', '');
      } else if (!needed && table.hasAttribute('data-scroll-stop')) {
        table.removeAttribute('tabindex');
        table.removeAttribute('data-scroll-stop');
      }
    });
  }
  reachableScrollers();
  var resizing = null;
  window.addEventListener('resize', function () {
    if (resizing) { window.cancelAnimationFrame(resizing); }
    resizing = window.requestAnimationFrame(reachableScrollers);
  });
  document.addEventListener('htmx:afterSettle', reachableScrollers);
  // Leaflet puts a string tooltip in as HTML: the maps (place page, insights map) pass names through
  // this, so a place named "<img onerror=…>" stays text.
  window.Linli = window.Linli || {};
  window.Linli.asText = function (text) {
    var span = document.createElement('span');
    span.textContent = text;
    return span;
  };
  // A Leaflet map whose zoom buttons speak the page's language (base.html puts the words on <html>;
  // Leaflet's own are English "Zoom in" / "Zoom out", read out as such by screen readers).
  window.Linli.newMap = function (el, options) {
    var words = document.documentElement.dataset;
    var map = L.map(el, Object.assign({}, options || {}, { zoomControl: false }));
    L.control.zoom({ zoomInTitle: words.zoomIn || 'Zoom in', zoomOutTitle: words.zoomOut || 'Zoom out' }).addTo(map);
    return map;
  };
})();
