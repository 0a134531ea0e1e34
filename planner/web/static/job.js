// The running job's page, updated in place: every 2 seconds the state, the progress bar and the
// message are read from /jobber/ID/status and written into the page, which stays where it is (a
// screen reader keeps its place; nothing reloads). When the job has ended the page is loaded
// once more, for its result or its error. Without this file the page has its «Oppdater» link.
(function () {
  "use strict";
  var box = document.getElementById("job");
  var url = box && box.getAttribute("data-status");
  if (!url || !window.fetch) return;
  var state = document.getElementById("job-state");
  var bar = document.getElementById("job-progress");
  var message = document.getElementById("job-message");
  var failures = 0;

  function show(s) {
    if (state.textContent !== s.state_nb) state.textContent = s.state_nb;  // (aria-live: said when it changes)
    bar.max = s.total || 1;
    bar.value = s.total ? s.done : 0;
    bar.textContent = s.percent + " %";
    message.textContent = s.message;
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" }, cache: "no-store" })
      .then(function (r) {
        if (!r.ok) throw new Error(String(r.status));
        return r.json();
      })
      .then(function (s) {
        failures = 0;
        if (s.ended) {
          window.location.reload();  // the result link, or the error, as the server shows it
          return;
        }
        show(s);
        window.setTimeout(poll, 2000);
      })
      .catch(function () {
        failures += 1;  // a server restarting, a network hiccup: try again, more slowly
        if (failures < 30) window.setTimeout(poll, 2000 * Math.min(failures, 5));
      });
  }

  window.setTimeout(poll, 2000);
})();
