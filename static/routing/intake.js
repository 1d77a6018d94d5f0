// Staff intake: ask the server for dispatch suggestions and similar open requests while the form is
// filled in (debounced), and let "采用" pick the suggested category. No inline script (CSP).
(function () {
  "use strict";
  var box = document.getElementById("routing-intake");
  if (!box) { return; }
  var form = box.closest("form");
  if (!form) { return; }
  var timer = null;
  var last = "";
  function field(name) { var el = form.elements[name]; return el ? el.value : ""; }
  function refresh() {
    var params = new URLSearchParams({
      title: field("title"), description: field("description"), place_id: field("place_id")
    });
    var query = params.toString();
    if (query === last || !field("description").trim()) { return; }
    last = query;
    fetch(box.dataset.url + "?" + query, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (r) { return r.ok ? r.text() : ""; })
      .then(function (html) { if (html && query === last) { box.innerHTML = html; } })
      .catch(function () { /* suggestions are optional: the form still works */ });
  }
  function later() { clearTimeout(timer); timer = setTimeout(refresh, 300); }
  ["title", "description"].forEach(function (n) { if (form.elements[n]) { form.elements[n].addEventListener("input", later); } });
  if (form.elements.place_id) { form.elements.place_id.addEventListener("change", later); }
  box.addEventListener("click", function (e) {
    var btn = e.target.closest(".routing-pick");
    if (!btn || !form.elements.category_id) { return; }
    form.elements.category_id.value = btn.dataset.categoryId;
    form.elements.category_id.dispatchEvent(new Event("change", { bubbles: true }));
  });
  refresh();
})();
