/* Dashboard charts (ECharts, vendored). Data comes from the json_script #insights-chart; every
   bar, point and slice links to the list behind it. Re-callable after the big screen refreshes. */
(function () {
  'use strict';
  var charts = [];
  // Tooltips drawn on the canvas: ECharts' HTML tooltips carry style="" attributes, which the
  // Content-Security-Policy (style-src 'self', no 'unsafe-inline') blocks.
  var TIP = 'richText';

  function go(href) { if (href) { window.location.href = href; } }

  function draw() {
    var data = document.getElementById('insights-chart');
    if (!data || typeof echarts === 'undefined') { return; }
    var chart = JSON.parse(data.textContent);
    charts.forEach(function (c) { c.dispose(); });
    charts = [];
    var dark = document.body.classList.contains('ins-screen');
    var text = dark ? '#e8eef7' : '#333';
    var el = document.getElementById('chart-trend');
    if (el) {
      var trend = echarts.init(el);
      var names = chart.trend.series || { received: '受理', resolved: '办结' };
      trend.setOption({
        textStyle: { color: text },
        tooltip: { trigger: 'axis', renderMode: TIP },
        legend: { data: [names.received, names.resolved], textStyle: { color: text } },
        grid: { left: 40, right: 16, top: 30, bottom: 30 },
        xAxis: { type: 'category', data: chart.trend.labels, axisLabel: { color: text } },
        yAxis: { type: 'value', minInterval: 1, axisLabel: { color: text } },
        series: [
          { name: names.received, type: 'line', data: chart.trend.received, smooth: true },
          { name: names.resolved, type: 'line', data: chart.trend.resolved, smooth: true }
        ]
      });
      trend.on('click', function (p) { go(chart.trend.links[p.dataIndex]); });
      charts.push(trend);
    }
    el = document.getElementById('chart-categories');
    if (el) {
      var pie = echarts.init(el);
      pie.setOption({
        textStyle: { color: text },
        tooltip: { trigger: 'item', renderMode: TIP },
        series: [{ type: 'pie', radius: ['35%', '65%'], data: chart.categories, label: { color: text } }]
      });
      pie.on('click', function (p) { go(p.data && p.data.href); });
      charts.push(pie);
    }
    el = document.getElementById('chart-sources');
    if (el) {
      var bar = echarts.init(el);
      bar.setOption({
        textStyle: { color: text },
        tooltip: { renderMode: TIP },
        grid: { left: 90, right: 16, top: 10, bottom: 20 },
        xAxis: { type: 'value', minInterval: 1, axisLabel: { color: text } },
        yAxis: { type: 'category', data: chart.sources.map(function (s) { return s.name; }), axisLabel: { color: text } },
        series: [{ type: 'bar', data: chart.sources.map(function (s) { return { value: s.value, href: s.href }; }) }]
      });
      bar.on('click', function (p) { go(p.data && p.data.href); });
      charts.push(bar);
    }
  }

  window.linliInsightsDraw = draw;
  window.addEventListener('resize', function () { charts.forEach(function (c) { c.resize(); }); });
  if (document.readyState === 'loading') { document.addEventListener('DOMContentLoaded', draw); } else { draw(); }
})();
