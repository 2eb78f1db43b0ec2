/* papertrends report: draws the figures embedded in the page and wires the selectors, sorting and search.
   Loads nothing: plotly.js comes from the report's own assets folder. */
(function () {
  "use strict";
  var figures = window.PT_FIGURES || {};
  var config = {responsive: true, displaylogo: false};

  function draw(div) {
    var fig = figures[div.getAttribute("data-figure")];
    if (!fig) { return Promise.resolve(); }
    if (!fig.layout.template && window.PT_TEMPLATE) { fig.layout.template = window.PT_TEMPLATE; }  // shared
    return Plotly.react(div, fig.data, fig.layout, config);
  }

  function showTopic(div, index) {
    var n = div.data ? div.data.length : 0;
    var visible = [];
    for (var i = 0; i < n; i++) { visible.push(Math.floor(i / 3) === index); }
    return Plotly.restyle(div, {visible: visible});
  }

  function wireWindow(select) {
    select.addEventListener("change", function () {
      document.querySelectorAll("[data-windowed]").forEach(function (div) {
        div.setAttribute("data-figure", div.getAttribute("data-windowed") + "-" + select.value);
        draw(div).then(function () {
          var topic = document.getElementById("topic-select");
          if (div.hasAttribute("data-topic-lines") && topic) { showTopic(div, topic.selectedIndex); }
        });
      });
    });
  }

  function wireTopic(select) {
    select.addEventListener("change", function () {
      document.querySelectorAll("[data-topic-lines]").forEach(function (div) { showTopic(div, select.selectedIndex); });
    });
  }

  function cellValue(row, column, type) {
    var cell = row.children[column];
    var raw = cell.getAttribute("data-value");
    if (raw === null) { raw = cell.textContent.trim(); }
    return type === "number" ? parseFloat(raw) : raw.toLowerCase();
  }

  function wireSort(table) {
    table.querySelectorAll("th[data-type]").forEach(function (th, column) {
      th.setAttribute("role", "button");
      th.setAttribute("tabindex", "0");
      function sort() {
        var type = th.getAttribute("data-type");
        var descending = th.getAttribute("aria-sort") !== "descending";
        table.querySelectorAll("th").forEach(function (other) { other.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", descending ? "descending" : "ascending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        var index = Array.prototype.indexOf.call(th.parentNode.children, th);
        rows.sort(function (a, b) {
          var x = cellValue(a, index, type), y = cellValue(b, index, type);
          var order = x < y ? -1 : x > y ? 1 : 0;
          return descending ? -order : order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (event) { if (event.key === "Enter") { sort(); } });
    });
  }

  function wireFilter(input) {
    var table = document.getElementById(input.getAttribute("data-filter"));
    var counter = document.getElementById(input.getAttribute("data-filter") + "-count");
    input.addEventListener("input", function () {
      var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
        var text = row.textContent.toLowerCase();
        var match = words.every(function (w) { return text.indexOf(w) >= 0; });
        row.hidden = !match;
        if (match) { shown++; }
      });
      if (counter) { counter.textContent = String(shown); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var drawing = [];
    document.querySelectorAll("[data-figure]").forEach(function (div) { drawing.push(draw(div)); });
    Promise.all(drawing).then(function () { document.body.setAttribute("data-ready", "true"); });
    var windowSelect = document.getElementById("window-select");
    if (windowSelect) { wireWindow(windowSelect); }
    var topicSelect = document.getElementById("topic-select");
    if (topicSelect) { wireTopic(topicSelect); }
    document.querySelectorAll("table.sortable").forEach(wireSort);
    document.querySelectorAll("input[data-filter]").forEach(wireFilter);
  });
})();
