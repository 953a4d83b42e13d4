/* payback report: draws the charts from their embedded JSON and makes tables sortable. */
(function () {
  "use strict";
  var config = { displaylogo: false, responsive: true,
                 modeBarButtonsToRemove: ["lasso2d", "select2d", "autoScale2d"] };

  function drawCharts(root) {
    var nodes = (root || document).querySelectorAll(".chart[data-figure]");
    Array.prototype.forEach.call(nodes, function (node) {
      var source = document.getElementById(node.getAttribute("data-figure"));
      if (!source) { return; }
      var fig = JSON.parse(source.textContent);
      window.Plotly.newPlot(node, fig.data || [], fig.layout || {}, config);
    });
  }

  function sortKey(cell, numeric) {
    var raw = cell.getAttribute("data-sort");
    if (numeric) { return raw === "" || raw === null ? null : parseFloat(raw); }
    return (raw === null ? cell.textContent : raw).toLowerCase();
  }

  function makeSortable(table) {
    var headers = table.tHead && table.tHead.rows.length ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(headers, function (th, index) {
      th.setAttribute("tabindex", "0");
      function sort() {
        var numeric = th.getAttribute("data-type") === "number";
        var current = th.getAttribute("aria-sort");
        var descending = current ? current === "ascending" : numeric;
        Array.prototype.forEach.call(headers, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", descending ? "descending" : "ascending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = sortKey(a.cells[index], numeric), y = sortKey(b.cells[index], numeric);
          if (x === y) { return 0; }
          if (x === null) { return 1; }           /* missing values always last */
          if (y === null) { return -1; }
          return (x < y ? -1 : 1) * (descending ? -1 : 1);
        });
        rows.forEach(function (r) { body.appendChild(r); });
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (e) { if (e.key === "Enter") { sort(); } });
    });
  }

  window.paybackReport = { drawCharts: drawCharts, makeSortable: makeSortable };
  document.addEventListener("DOMContentLoaded", function () {
    drawCharts(document);
    Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), makeSortable);
  });
})();
