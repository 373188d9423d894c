/* 亲清 — redemption charts (Apache ECharts), drawn from the data-values
 * JSON of each [data-chart] element: "funnel" (name, value), "bars"
 * (label, count, amount in 万元) and "timeliness" (label, rate %, avg days). */
(function () {
  'use strict';
  function draw(el) {
    if (!window.echarts) return;
    var values;
    try { values = JSON.parse(el.dataset.values || '[]') || []; } catch (e) { return; }
    var chart = window.echarts.init(el);
    var kind = el.dataset.chart;
    var opt;
    if (kind === 'funnel') {
      // The labels stand to the right of the funnel, inside the card.
      opt = { tooltip: {}, series: [{ type: 'funnel', sort: 'descending', left: '4%', width: '56%', minSize: '8%',
        label: { position: 'right', formatter: '{b}：{c}' }, data: values }] };
    } else if (kind === 'timeliness') {
      opt = { tooltip: { trigger: 'axis' }, legend: { data: ['按时拨付率（%）', '平均工作日'] }, grid: { left: 110, right: 40 },
        xAxis: [{ type: 'value', max: 100 }, { type: 'value' }],
        yAxis: { type: 'category', inverse: true, data: values.map(function (v) { return v.label; }) },
        series: [{ name: '按时拨付率（%）', type: 'bar', data: values.map(function (v) { return Math.round(v.rate * 10) / 10; }) },
          { name: '平均工作日', type: 'bar', xAxisIndex: 1, data: values.map(function (v) { return Math.round(v.avg * 10) / 10; }) }] };
    } else {
      opt = { tooltip: { trigger: 'axis' }, legend: { data: ['企业（家）', '金额（万元）'] }, grid: { left: 100, right: 30 },
        xAxis: [{ type: 'value' }, { type: 'value' }],
        yAxis: { type: 'category', inverse: true, data: values.map(function (v) { return v.label; }) },
        series: [{ name: '企业（家）', type: 'bar', data: values.map(function (v) { return v.count; }) },
          { name: '金额（万元）', type: 'bar', xAxisIndex: 1, data: values.map(function (v) { return Math.round(v.amount * 100) / 100; }) }] };
    }
    chart.setOption(opt);
    window.addEventListener('resize', function () { chart.resize(); });
  }
  function all() { document.querySelectorAll('[data-chart]').forEach(draw); }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', all); else all();
})();
