// Ask before a form marked data-confirm="question" is sent (the CSP allows no inline handlers).
document.addEventListener("submit", function (ev) {
  var q = ev.target.getAttribute && ev.target.getAttribute("data-confirm");
  if (q && !window.confirm(q)) ev.preventDefault();
});
