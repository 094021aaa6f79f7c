// cashapply workbench: keyboard shortcuts and the running balance of a split.
// Everything works without this script; it only saves keystrokes.
(function () {
  "use strict";
  function typing(e) {
    var t = e.target.tagName;
    return t === "INPUT" || t === "SELECT" || t === "TEXTAREA";
  }
  // Amounts as integer minor units (never floating point).
  function minor(s) {
    s = (s || "").trim();
    if (s === "") return 0;
    var m = /^(\d+)(?:\.(\d{0,2}))?$/.exec(s);
    if (!m) return NaN;
    return parseInt(m[1], 10) * 100 + parseInt(((m[2] || "") + "00").slice(0, 2), 10);
  }
  function fmt(n) {
    var neg = n < 0; n = Math.abs(n);
    return (neg ? "-" : "") + Math.floor(n / 100) + "." + String(n % 100).padStart(2, "0");
  }
  document.addEventListener("DOMContentLoaded", function () {
    var rows = Array.prototype.slice.call(document.querySelectorAll("#queue tbody tr[data-href]"));
    var current = -1;
    var hash = location.hash ? document.getElementById(location.hash.slice(1)) : null;
    if (hash && rows.indexOf(hash) >= 0) { current = rows.indexOf(hash); hash.classList.add("current"); hash.focus(); }
    function move(d) {
      if (!rows.length) return;
      if (current >= 0) rows[current].classList.remove("current");
      current = Math.max(0, Math.min(rows.length - 1, current + d));
      rows[current].classList.add("current");
      rows[current].focus();
    }
    var form = document.getElementById("resolve");
    function balance() {
      if (!form) return;
      var free = minor(form.dataset.free);
      var sum = 0, bad = false;
      form.querySelectorAll("input.amt").forEach(function (i) { var v = minor(i.value); if (isNaN(v)) bad = true; else sum += v; });
      var out = document.getElementById("balance");
      var left = free - sum;
      out.textContent = bad ? "an amount is not a number" : (left === 0 ? "balanced" : "left to place: " + fmt(left));
      out.className = (bad || left !== 0) ? "off" : "";
      form.querySelector("button[type=submit]").disabled = bad || left !== 0;
    }
    if (form) { form.addEventListener("input", balance); balance(); }
    var all = document.getElementById("select-all");
    if (all) all.addEventListener("change", function () {
      document.querySelectorAll("#queue tbody input[name=id]").forEach(function (c) { c.checked = all.checked; });
    });
    var filter = document.getElementById("item-filter");
    if (filter) filter.addEventListener("input", function () {
      var q = filter.value.toLowerCase();
      document.querySelectorAll("#open-items tbody tr").forEach(function (tr) { tr.hidden = q !== "" && tr.textContent.toLowerCase().indexOf(q) < 0; });
    });
    document.addEventListener("keydown", function (e) {
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.key === "Escape") { var b = document.getElementById("back"); if (b) location.href = b.href; return; }
      if (typing(e)) return;
      if (e.key === "j") { move(1); e.preventDefault(); }
      else if (e.key === "k") { move(-1); e.preventDefault(); }
      else if (e.key === "Enter" && current >= 0) { location.href = rows[current].dataset.href; }
      else if (e.key === "x" && current >= 0) { var c = rows[current].querySelector("input[name=id]"); if (c) c.checked = !c.checked; }
      else if (e.key === "/") { var s = document.getElementById("search"); if (s) { s.focus(); e.preventDefault(); } }
      else if (e.key === "a" && form) { var first = form.querySelector("input.amt"); if (first) { first.focus(); e.preventDefault(); } }
      else if (e.key === "h") { var h = document.getElementById("hold"); if (h) { h.querySelector("button").focus(); e.preventDefault(); } }
      else if (e.key === "n") { var n = document.getElementById("note"); if (n) { n.focus(); e.preventDefault(); } }
    });
  });
})();
