// Compliance charts: rate by month and branches by sub-organization, from json_script data.
(function () {
  "use strict";
  function draw() {
    var node = document.getElementById("compliance-data");
    if (!node || !window.echarts) { return; }
    var data = JSON.parse(node.textContent);
    var months = document.getElementById("chart-months");
    if (months) {
      window.echarts.init(months).setOption({
        tooltip: { trigger: "axis" },
        grid: { left: 40, right: 10, top: 20, bottom: 40 },
        xAxis: { type: "category", data: data.months },
        yAxis: { type: "value", min: 0, max: 100, name: "%" },
        series: [{ type: "line", name: "达标率", data: data.rates, connectNulls: false }]
      });
    }
    var children = document.getElementById("chart-children");
    if (children && data.children.length) {
      window.echarts.init(children).setOption({
        tooltip: { trigger: "axis" },
        legend: { data: ["达标", "未达标"] },
        grid: { left: 10, right: 10, top: 30, bottom: 10, containLabel: true },
        xAxis: { type: "value" },
        yAxis: { type: "category", data: data.children },
        series: [
          { type: "bar", stack: "b", name: "达标", data: data.compliant },
          { type: "bar", stack: "b", name: "未达标", data: data.failing }
        ]
      });
    }
  }
  document.addEventListener("DOMContentLoaded", draw);
})();
