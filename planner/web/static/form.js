// Show the schedule fields that belong to the chosen form (day / every N days / dates).
document.addEventListener("change", function (ev) {
  var el = ev.target;
  if (el.classList && el.classList.contains("mode-select")) {
    var row = el.closest(".row");
    if (row) row.setAttribute("data-mode", el.value);
  }
});
// Keep the scroll position after adding or removing a row.
(function () {
  var key = "planner-scroll";
  var y = sessionStorage.getItem(key);
  if (y !== null) { window.scrollTo(0, parseInt(y, 10)); sessionStorage.removeItem(key); }
  document.addEventListener("click", function (ev) {
    var b = ev.target.closest && ev.target.closest("button.add, button.remove");
    if (b) sessionStorage.setItem(key, String(window.scrollY));
  });
})();
