// whittle report: search and filters, sortable tables, deep links. No network, no libraries.
(function () {
  "use strict";
  var FILTERS = ["principal", "account", "team", "rule", "severity"];
  var RANK = { info: 1, low: 2, medium: 3, high: 4, critical: 5 };
  function $(sel, root) { return (root || document).querySelector(sel); }
  function all(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }
  function control(name) { return $('[data-filter="' + name + '"]'); }

  function current() {
    var f = {};
    FILTERS.forEach(function (n) { f[n] = control(n).value.trim(); });
    return f;
  }

  function matches(el, f) {
    var d = el.dataset;
    if (f.principal) {
      var q = f.principal.toLowerCase();
      if ((d.principal || "").toLowerCase().indexOf(q) < 0 && (d.name || "").toLowerCase().indexOf(q) < 0) return false;
    }
    if (f.account && d.account !== f.account) return false;
    if (f.team && d.team !== f.team) return false;
    if (f.rule && (" " + (d.rules || "") + " ").indexOf(" " + f.rule + " ") < 0) return false;
    if (f.severity && Number(d.sev || 0) < RANK[f.severity]) return false;
    return true;
  }

  function apply(updateHash) {
    var f = current();
    var rows = all("#principal-table tbody tr");
    var shown = 0;
    rows.forEach(function (r) { var m = matches(r, f); r.hidden = !m; if (m) shown += 1; });
    all("article.principal").forEach(function (a) { a.hidden = !matches(a, f); });
    all("tr.finding").forEach(function (r) { r.hidden = !matches(r, f); });
    $("#f-count").textContent = shown + " of " + rows.length + " principals";
    if (updateHash) {
      var parts = FILTERS.filter(function (n) { return f[n]; }).map(function (n) { return n + "=" + encodeURIComponent(f[n]); });
      history.replaceState(null, "", parts.length ? "#" + parts.join("&") : location.pathname + location.search);
    }
  }

  function fromHash() {
    var hash = location.hash.replace(/^#/, "");
    if (hash.indexOf("=") < 0) return;
    FILTERS.forEach(function (n) { control(n).value = ""; });
    var target = null;
    hash.split("&").forEach(function (kv) {
      var i = kv.indexOf("=");
      var key = kv.slice(0, i), value = decodeURIComponent(kv.slice(i + 1));
      var c = FILTERS.indexOf(key) >= 0 ? control(key) : null;
      if (!c) return;
      if (c.tagName === "SELECT" && !all("option", c).some(function (o) { return o.value === value; })) {
        var o = document.createElement("option"); o.value = value; o.textContent = value; c.appendChild(o);
      }
      c.value = value;
      if (key === "principal") target = value;
    });
    apply(false);
    all("article.principal.target").forEach(function (a) { a.classList.remove("target"); });
    if (target) {
      var a = all("article.principal").filter(function (x) { return x.dataset.principal === target; })[0];
      if (a) { a.classList.add("target"); $("details", a).open = true; $("summary", a).focus(); a.scrollIntoView(); }
    }
  }

  function sortable(table) {
    all("thead th", table).forEach(function (th, col) {
      var b = document.createElement("button");
      b.type = "button"; b.className = "sort"; b.textContent = th.textContent;
      th.textContent = ""; th.appendChild(b);
      b.addEventListener("click", function () {
        var desc = th.getAttribute("aria-sort") !== "descending";
        all("thead th", table).forEach(function (x) { x.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", desc ? "descending" : "ascending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        function key(r) {
          var c = r.cells[col]; if (!c) return "";
          var v = c.dataset.sort !== undefined ? c.dataset.sort : c.textContent.trim();
          var n = Number(v); return v !== "" && !isNaN(n) ? n : v.toLowerCase();
        }
        rows.sort(function (x, y) {
          var a = key(x), b2 = key(y);
          var r = typeof a === "number" && typeof b2 === "number" ? a - b2 : String(a).localeCompare(String(b2));
          return desc ? -r : r;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  }

  function init() {
    all("table.sortable").forEach(sortable);
    FILTERS.forEach(function (n) {
      var c = control(n);
      c.addEventListener(c.tagName === "SELECT" ? "change" : "input", function () { apply(true); });
    });
    $("#f-reset").addEventListener("click", function () {
      FILTERS.forEach(function (n) { control(n).value = ""; }); apply(true);
    });
    window.addEventListener("hashchange", fromHash);
    var opened = [];
    window.addEventListener("beforeprint", function () {
      opened = all("details:not([open])"); opened.forEach(function (d) { d.open = true; });
    });
    window.addEventListener("afterprint", function () { opened.forEach(function (d) { d.open = false; }); });
    fromHash();
    apply(false);
    document.body.dataset.ready = "true";
  }

  // a large page keeps its details gzipped (see `deferred` in html/mod.rs): expanded first
  function expand(then) {
    var blob = document.getElementById("deferred-data");
    if (!blob) { then(); return; }
    var bin = atob(blob.textContent.trim());
    var bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i += 1) bytes[i] = bin.charCodeAt(i);
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    new Response(stream).text().then(function (html) {
      var holder = document.getElementById("deferred");
      holder.insertAdjacentHTML("afterend", html);
      holder.parentNode.removeChild(holder);
      blob.parentNode.removeChild(blob);
      then();
    });
  }

  expand(init);
})();
