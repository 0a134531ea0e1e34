// The household form's progressive enhancement. Without this file every button still works
// through the server (which keeps what was typed and focuses the new row); with it, rows are
// added and removed in the page, focus goes to the new row, the standard payout days follow
// the chosen benefit, and the stream levers' checkboxes follow the benefits typed in.
(function () {
  "use strict";
  var form = document.getElementById("household-form");
  if (!form) return;
  // a form sent back with errors: focus goes to their summary, which links each field, so a
  // screen reader or keyboard user starts where the problems are listed
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();
  var standard = {};
  try { standard = JSON.parse(form.getAttribute("data-standard") || "{}"); } catch (e) { standard = {}; }

  function rowsOf(group) { return document.querySelectorAll("#" + group + " .row"); }

  function nextIndex(group) {
    var next = 0;
    rowsOf(group).forEach(function (r) {
      var n = parseInt((r.getAttribute("data-row") || "").split("-")[1], 10);
      if (!isNaN(n) && n >= next) next = n + 1;
    });
    return next;
  }

  function addRow(group) {
    var tpl = document.getElementById("tpl-" + group);
    var button = document.getElementById("add-" + group);
    if (!tpl || !button) return;
    var i = nextIndex(group);
    var holder = document.createElement("div");
    holder.innerHTML = tpl.innerHTML.split("__i__").join(String(i));
    var row = holder.querySelector(".row");
    var n = rowsOf(group).length + 1;
    var remove = row.querySelector("button.remove");
    if (remove) remove.setAttribute("aria-label", remove.getAttribute("aria-label").replace("ny", String(n)));
    tpl.parentNode.insertBefore(row, tpl);
    var first = row.querySelector("select, input");
    if (first) first.focus();
  }

  function removeRow(button) {
    var row = button.closest(".row");
    var group = row.closest("fieldset").id;
    var next = row.nextElementSibling;
    row.parentNode.removeChild(row);
    var target = next && next.classList.contains("row") ? next.querySelector("select, input")
      : document.getElementById("add-" + group);
    if (target) target.focus();
    updateStreams();
  }

  function showStandard(select) {
    var p = form.querySelector('[data-standard-for="' + select.id.slice(2) + '"]');
    if (!p) return;
    var text = standard[select.value];
    p.textContent = text ? "Standard: " + text : "Velg ytelse for å se standarddagene.";
  }

  // The household's income streams as the server names them: the row's name, else its kind.
  function streams() {
    var out = [], seen = {};
    rowsOf("income").forEach(function (r) {
      var kind = r.querySelector(".kind-select");
      if (!kind || !kind.value) return;
      var nameInput = r.querySelector('input[name$="-name"]');
      var name = nameInput ? nameInput.value.trim() : "";
      var id = name || kind.value;
      if (seen[id]) return;
      seen[id] = true;
      var label = kind.options[kind.selectedIndex].text + (name ? " (" + name + ")" : "");
      out.push({ id: id, kind: kind.value, label: label, row: r.getAttribute("data-row") });
    });
    return out;
  }

  // Rebuild each stream lever's checkboxes, keeping each row's tick (also when the row is
  // renamed); a new stream takes the standard (ticked when NAV pays it), as the server does
  // for a stream it did not offer.
  function tagRows() {
    var byId = {};
    streams().forEach(function (s) { byId[s.id] = s.row; });
    document.querySelectorAll("fieldset[data-streams] input[type=checkbox]").forEach(function (c) {
      if (byId[c.value]) c.setAttribute("data-row", byId[c.value]);
    });
  }

  function updateStreams() {
    var list = streams();
    document.querySelectorAll("fieldset[data-streams]").forEach(function (fs) {
      var key = fs.getAttribute("data-streams");
      var navPaid = (fs.getAttribute("data-nav-paid") || "").split(" ");
      var offered = fs.querySelector('input[name="' + key + '_offered"]');
      var ticked = {};
      fs.querySelectorAll("input[type=checkbox][data-row]").forEach(function (c) {
        ticked[c.getAttribute("data-row")] = c.checked;
      });
      var box = fs.querySelector(".checks");
      box.textContent = "";
      list.forEach(function (s) {
        var label = document.createElement("label");
        label.className = "check";
        var c = document.createElement("input");
        c.type = "checkbox"; c.name = key; c.value = s.id;
        c.setAttribute("data-row", s.row);
        c.checked = s.row in ticked ? ticked[s.row] : navPaid.indexOf(s.kind) >= 0;
        label.appendChild(c);
        label.appendChild(document.createTextNode(" " + s.label));
        box.appendChild(label);
      });
      if (!list.length) {
        var none = document.createElement("span");
        none.className = "muted small";
        none.textContent = "Ytelsene husstanden får, vises her når de er lagt inn over.";
        box.appendChild(none);
      }
      offered.value = list.map(function (s) { return s.id; }).join(", ");
    });
  }

  tagRows();
  form.addEventListener("input", function (ev) {
    if (ev.target.closest("#income") && /-name$/.test(ev.target.name || "")) updateStreams();
  });
  form.addEventListener("click", function (ev) {
    var add = ev.target.closest("button.add[data-group]");
    if (add) { ev.preventDefault(); addRow(add.getAttribute("data-group")); return; }
    var remove = ev.target.closest("button.remove");
    if (remove) { ev.preventDefault(); removeRow(remove); }
  });
  form.addEventListener("change", function (ev) {
    var el = ev.target;
    if (el.classList.contains("mode-select")) {
      var row = el.closest(".row");
      if (row) row.setAttribute("data-mode", el.value);
    }
    if (el.classList.contains("kind-select")) showStandard(el);
    if (el.closest("#income") && (el.classList.contains("kind-select") || /-name$/.test(el.name))) updateStreams();
  });
})();
