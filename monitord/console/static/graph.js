// Smokeping-style latency graphs with uPlot: the min-max band, the median line and the loss
// shaded below on its own 0-100 % scale. Data: /console/graph (same session, same origin).
"use strict";
(function () {
  function draw(box, data) {
    if (!data.t.length) {
      box.textContent = "No measurements in this range yet.";
      return;
    }
    var opts = {
      width: Math.max(280, box.clientWidth),
      height: 220,
      scales: { x: { time: true }, ms: { auto: true }, loss: { range: [0, 100] } },
      axes: [
        {},
        { scale: "ms", label: "ms", size: 50 },
        { scale: "loss", side: 1, label: "loss %", grid: { show: false }, size: 45 },
      ],
      series: [
        {},
        { label: "min", scale: "ms", stroke: "rgba(40,100,200,0.35)", width: 1 },
        { label: "max", scale: "ms", stroke: "rgba(40,100,200,0.35)", width: 1 },
        { label: "median", scale: "ms", stroke: "#1f4f99", width: 2 },
        {
          label: "loss",
          scale: "loss",
          stroke: "rgba(200,40,40,0.9)",
          fill: "rgba(220,50,50,0.25)",
          width: 1,
          paths: uPlot.paths.stepped({ align: 1 }),
          points: { show: false },
        },
      ],
      bands: [{ series: [2, 1], fill: "rgba(60,120,220,0.18)" }],
    };
    var plot = new uPlot(opts, [data.t, data.min, data.max, data.median, data.loss], box);
    window.addEventListener("resize", function () {
      plot.setSize({ width: Math.max(280, box.clientWidth), height: 220 });
    });
  }

  document.querySelectorAll("[data-graph]").forEach(function (box) {
    fetch(box.getAttribute("data-graph"), { credentials: "same-origin" })
      .then(function (answer) {
        if (!answer.ok) throw new Error("HTTP " + answer.status);
        return answer.json();
      })
      .then(function (data) { draw(box, data); })
      .catch(function (err) { box.textContent = "Graph unavailable: " + err.message; });
  });
})();
