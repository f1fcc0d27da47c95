// Compliance charts: rate by month and branches by sub-organization, from json_script data.
// The sub-organizations are horizontal bars, one row each (the chart grows with them), their
// names cut short on a narrow screen; a tap on a bar shows the full name and the numbers, and
// the table below lists them all. No animation: the final picture at once, on slow phones too.
(function () {
  "use strict";
  function shorten(name, size) {
    return name.length > size ? name.slice(0, size - 1) + "…" : name;
  }
  function draw() {
    var node = document.getElementById("compliance-data");
    if (!node || !window.echarts) { return; }
    var data = JSON.parse(node.textContent);
    var narrow = window.matchMedia("(max-width: 600px)").matches;
    var drawn = [];
    var months = document.getElementById("chart-months");
    if (months) {
      drawn.push(window.echarts.init(months));
      drawn[drawn.length - 1].setOption({
        animation: false,
        tooltip: { trigger: "axis", confine: true, valueFormatter: function (v) { return v == null ? "—" : v + "%"; } },
        grid: { left: 40, right: 16, top: 24, bottom: 48 },
        xAxis: { type: "category", data: data.months, axisLabel: { hideOverlap: true } },
        yAxis: { type: "value", min: 0, max: 100, name: "%" },
        series: [{ type: "line", name: "达标率", data: data.rates, connectNulls: false }]
      });
    }
    var children = document.getElementById("chart-children");
    if (children && data.children.length) {
      children.style.height = Math.max(160, 34 * data.children.length + 70) + "px";
      var size = narrow ? 9 : 18;
      drawn.push(window.echarts.init(children));
      drawn[drawn.length - 1].setOption({
        animation: false,
        tooltip: {
          trigger: "axis", axisPointer: { type: "shadow" }, confine: true,
          formatter: function (items) {
            var i = items[0].dataIndex;
            return data.children[i] + "<br>达标 " + data.compliant[i] + " 个，未达标 " + data.failing[i] + " 个";
          }
        },
        legend: { data: ["达标", "未达标"], top: 0 },
        grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
        xAxis: { type: "value", minInterval: 1 },
        yAxis: {
          type: "category", inverse: true, data: data.short, triggerEvent: true,
          axisLabel: { interval: 0, formatter: function (name) { return shorten(name, size); } }
        },
        series: [
          { type: "bar", stack: "b", name: "达标", data: data.compliant, color: "#3f8f4f", barMaxWidth: 22 },
          { type: "bar", stack: "b", name: "未达标", data: data.failing, color: "#c8161d", barMaxWidth: 22 }
        ]
      });
    }
    // a phone turned on its side, a window resized: the charts follow the new width
    window.addEventListener("resize", function () {
      drawn.forEach(function (chart) { chart.resize(); });
    });
  }
  document.addEventListener("DOMContentLoaded", draw);
})();
