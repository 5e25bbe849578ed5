/* modalbench leaderboard: sort a table by clicking a column header (ascending, then
   descending). Cells carry their sort key in data-value; an empty key is a missing value
   and always sorts last. No network, no dependencies. */
(function () {
  "use strict";

  function key(row, index, numeric) {
    var raw = row.cells[index].getAttribute("data-value");
    if (raw === null || raw === "") {
      return null;
    }
    if (numeric) {
      var n = Number(raw);
      return isNaN(n) ? null : n;
    }
    return raw;
  }

  function sortRows(table, index, numeric, ascending) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.forEach(function (row, i) {
      if (!row.hasAttribute("data-order")) {
        row.setAttribute("data-order", String(i));
      }
    });
    rows.sort(function (a, b) {
      var x = key(a, index, numeric);
      var y = key(b, index, numeric);
      var tie = Number(a.getAttribute("data-order")) - Number(b.getAttribute("data-order"));
      if (x === null || y === null) {
        return x === y ? tie : (x === null ? 1 : -1);
      }
      var order = numeric ? x - y : x.localeCompare(y);
      if (order === 0) {
        return tie;
      }
      return ascending ? order : -order;
    });
    rows.forEach(function (row) {
      body.appendChild(row);
    });
  }

  function enable(table) {
    var headers = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(headers, function (th, index) {
      var button = th.querySelector("button");
      if (!button) {
        return;
      }
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(headers, function (other) {
          other.removeAttribute("aria-sort");
        });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        sortRows(table, index, th.getAttribute("data-type") === "number", ascending);
      });
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), enable);
})();
