// Draws the finance charts (and the operator metrics', #metrics-charts, in the same shape) from
// the page's JSON block (#finance-charts). A static file on purpose: the CSP allows no inline script. Amounts arrive as integer minor units with their
// currency's exponent and are scaled here for display only; the CSV exports keep exact values.
(function () {
  "use strict";
  var source = document.getElementById("finance-charts") || document.getElementById("metrics-charts");
  if (!source || typeof Chart === "undefined") {
    return;
  }
  var specs = JSON.parse(source.textContent);

  function scaled(dataset) {
    var divisor = Math.pow(10, dataset.exponent || 0);
    return dataset.data.map(function (value) {
      return value === null ? null : value / divisor;
    });
  }

  specs.forEach(function (spec) {
    var canvas = document.querySelector('canvas[data-chart="' + spec.id + '"]');
    if (!canvas) {
      return;
    }
    var datasets = spec.datasets.map(function (dataset) {
      return { label: dataset.label, data: spec.money ? scaled(dataset) : dataset.data };
    });
    var round = spec.type !== "doughnut";
    new Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets: datasets },
      options: {
        animation: false,
        plugins: { legend: { display: datasets.length > 1 || !round } },
        scales: round ? { y: { beginAtZero: true, ticks: { precision: spec.money ? 2 : 0 } } } : {},
      },
    });
  });
})();
