// What-if on the household page, progressive enhancement. Without this file the what-if form
// is a plain GET form: the server answers with the whole page for the changed figures. With
// it, the same query is fetched with fragment=1 and only the plan part (#plan-view) is swapped
// in place; the address bar follows, so the result can be reloaded or bookmarked.
(function () {
  "use strict";
  var form = document.getElementById("whatif-form");
  var view = document.getElementById("plan-view");
  if (!form || !view || !window.fetch || !window.URLSearchParams) return;
  var pending = null;
  var timer = null;

  function query() {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (v, k) { params.append(k, v); });
    return params;
  }

  function update() {
    var params = query();
    var page = form.action + "?" + params.toString();
    params.append("fragment", "1");
    if (pending) pending.abort();
    pending = window.AbortController ? new AbortController() : null;
    view.setAttribute("aria-busy", "true");
    fetch(form.action + "?" + params.toString(), {
      credentials: "same-origin",
      headers: { "Accept": "text/html" },
      signal: pending ? pending.signal : undefined
    }).then(function (r) {
      return r.text().then(function (html) {
        if (r.status !== 200 && r.status !== 422) throw new Error("status " + r.status);
        view.innerHTML = html;
        view.removeAttribute("aria-busy");
        if (window.history && history.replaceState) history.replaceState(null, "", page);
      });
    }).catch(function (e) {
      if (e && e.name === "AbortError") return;
      view.removeAttribute("aria-busy");
      form.submit();  // fall back to the plain form
    });
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    update();
  });
  form.addEventListener("change", function () {
    clearTimeout(timer);
    timer = setTimeout(update, 300);
  });
})();
