/* Filters for the incident table of hindsight sites.
 *
 * A page marks a table with <div class="hs-filter" data-hs-columns="...">
 * placed before it; the attribute names the column of each filter
 * ("date:0 severity:2 status:3 services:4"). The script adds one select
 * per filter and hides the rows that do not match. It only reads text
 * (textContent) and only creates elements, so no text of the page is ever
 * parsed as HTML. Without JavaScript, the whole table stays visible.
 */
(function () {
  "use strict";

  var LABELS = { severity: "Severity", status: "Status", services: "Service",
                 date: "Year" };

  function columns(marker) {
    var found = {};
    (marker.getAttribute("data-hs-columns") || "").split(/\s+/).forEach(
      function (pair) {
        var parts = pair.split(":");
        if (parts.length === 2 && LABELS[parts[0]]) {
          found[parts[0]] = parseInt(parts[1], 10);
        }
      });
    return found;
  }

  function nextTable(marker) {
    var tables = document.querySelectorAll("table");
    for (var i = 0; i < tables.length; i++) {
      if (marker.compareDocumentPosition(tables[i]) &
          Node.DOCUMENT_POSITION_FOLLOWING) {
        return tables[i];
      }
    }
    return null;
  }

  function cellValues(row, name, index) {
    var cell = row.cells[index];
    if (!cell) { return []; }
    if (name === "services") {
      var links = cell.querySelectorAll("a");
      return Array.prototype.map.call(links, function (a) {
        return a.textContent.trim();
      });
    }
    var text = cell.textContent.trim();
    return [name === "date" ? text.slice(0, 4) : text];
  }

  function severityRank(row, index) {
    var badge = row.cells[index] && row.cells[index].querySelector(".hs-sev");
    var match = badge && /hs-sev-(\d+)/.exec(badge.className);
    return match ? parseInt(match[1], 10) : 999;
  }

  function options(rows, name, index) {
    var seen = {};
    rows.forEach(function (row) {
      cellValues(row, name, index).forEach(function (value) {
        if (value && !(value in seen)) {
          seen[value] = name === "severity" ? severityRank(row, index) : 0;
        }
      });
    });
    var values = Object.keys(seen);
    if (name === "severity") {
      values.sort(function (a, b) { return seen[a] - seen[b]; });
    } else if (name === "date") {
      values.sort().reverse();
    } else {
      values.sort();
    }
    return values;
  }

  function makeSelect(name, values) {
    var label = document.createElement("label");
    label.className = "hs-filter__field";
    label.appendChild(document.createTextNode(LABELS[name] + " "));
    var select = document.createElement("select");
    select.setAttribute("data-hs-filter", name);
    var any = document.createElement("option");
    any.value = "";
    any.textContent = "any";
    select.appendChild(any);
    values.forEach(function (value) {
      var option = document.createElement("option");
      option.value = value;
      option.textContent = value;
      select.appendChild(option);
    });
    label.appendChild(select);
    return { label: label, select: select };
  }

  function setup(marker) {
    var table = nextTable(marker);
    if (!table || !table.tBodies.length) { return; }
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var wanted = columns(marker);
    var selects = {};
    var count = document.createElement("span");
    count.className = "hs-filter__count";
    Object.keys(wanted).forEach(function (name) {
      var made = makeSelect(name, options(rows, name, wanted[name]));
      selects[name] = made.select;
      marker.appendChild(made.label);
    });
    marker.appendChild(count);

    function apply() {
      var shown = 0;
      rows.forEach(function (row) {
        var keep = Object.keys(selects).every(function (name) {
          var value = selects[name].value;
          return !value ||
            cellValues(row, name, wanted[name]).indexOf(value) !== -1;
        });
        row.hidden = !keep;
        if (keep) { shown += 1; }
      });
      count.textContent = shown + " of " + rows.length + " incidents";
    }

    Object.keys(selects).forEach(function (name) {
      selects[name].addEventListener("change", apply);
    });
    apply();
  }

  function start() {
    Array.prototype.forEach.call(
      document.querySelectorAll(".hs-filter"), setup);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
