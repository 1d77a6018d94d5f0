// The visit form shows only the checklist of the chosen template (others hidden and disabled).
(function () {
  'use strict';
  var select = document.getElementById('template');
  if (!select) { return; }
  function show() {
    document.querySelectorAll('fieldset.checklist').forEach(function (fs) {
      var on = fs.dataset.template === select.value;
      fs.hidden = !on;
      fs.querySelectorAll('input').forEach(function (i) { i.disabled = !on; });
    });
  }
  select.addEventListener('change', show);
  show();
})();
