// Draws each dashboard chart from the Vega-Lite spec the server embedded beside it
// (analytics/charts.py, <script type="application/json">), with the vendored vega scripts.
// Without JavaScript the table under each chart carries the same numbers.
(function () {
  "use strict";

  function draw(holder) {
    var source = document.getElementById(holder.getAttribute("data-chart"));
    if (!source) return;
    var spec = JSON.parse(source.textContent);
    holder.textContent = ""; // the no-JavaScript hint
    window
      .vegaEmbed(holder, spec, { actions: false, renderer: "svg" })
      .catch(function (error) {
        holder.textContent = "The chart could not be drawn; the table below has the numbers.";
        console.warn(error);
      });
  }

  function drawAll() {
    if (typeof window.vegaEmbed !== "function") return; // the table alone, then
    document.querySelectorAll("[data-chart]").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
