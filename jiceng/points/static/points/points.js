// The distribution of a group's points: a histogram of how many members fall in each band,
// from json_script data; no names. A member's own band is drawn darker when "mine" is given.
(function () {
  "use strict";
  function draw() {
    var node = document.getElementById("points-data");
    var box = document.getElementById("chart-distribution");
    if (!node || !box || !window.echarts) { return; }
    var data = JSON.parse(node.textContent);
    var chart = window.echarts.init(box);
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis", confine: true, valueFormatter: function (v) { return v + " 人"; } },
      grid: { left: 40, right: 12, top: 24, bottom: 48 },
      xAxis: { type: "category", data: data.labels, name: "分", axisLabel: { hideOverlap: true } },
      yAxis: { type: "value", name: "人", minInterval: 1 },
      series: [{
        type: "bar", name: "党员", barCategoryGap: "8%",
        data: data.counts.map(function (n, i) {
          return { value: n, itemStyle: { color: i === data.mine ? "#9b1c1c" : "#d9797a" } };
        })
      }]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
