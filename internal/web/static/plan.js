/* 亲清 — plan supervision pages: the charts (ECharts, from the JSON in each
 * chart's data-json) and the print button. No build step. */
(function () {
  'use strict';
  var colors = { late: '#cf222e', warn: '#d4a72c', ok: '#2da44e', done: '#218bff' };

  function chart(el, option) {
    if (!window.echarts) return;
    var c = window.echarts.init(el, null, { renderer: 'svg' });
    c.setOption(option);
    window.addEventListener('resize', function () { c.resize(); });
  }

  function wrap(name, n) { return name.length > n ? name.slice(0, n) + '…' : name; }

  var draw = {
    goals: function (el, data) {
      var names = data.map(function (d) { return d.name; });
      chart(el, {
        tooltip: { trigger: 'axis' },
        legend: { data: ['实际完成（占目标%）', '当前应达（%）'], top: 0 },
        grid: { left: 8, right: 24, top: 32, bottom: 8, containLabel: true },
        xAxis: { type: 'value', max: 100, axisLabel: { formatter: '{value}%' } },
        yAxis: { type: 'category', data: names, inverse: true, axisLabel: { formatter: function (v) { return wrap(v, 10); } } },
        series: [
          { name: '实际完成（占目标%）', type: 'bar', itemStyle: { color: colors.ok }, data: data.map(function (d) {
            var c = d.state === '严重落后' || d.state === '未完成' ? colors.late : (d.state === '落后' || d.state === '未报送' ? colors.warn : colors.ok);
            return { value: d.pct, itemStyle: { color: c } };
          }) },
          { name: '当前应达（%）', type: 'scatter', symbol: 'diamond', symbolSize: 12, z: 3, itemStyle: { color: '#57606a' },
            data: data.map(function (d) { return d.expected == null ? null : [d.expected, d.name]; }) }
        ]
      });
    },
    sections: function (el, data) {
      var names = data.map(function (d) { return d.numbering + ' ' + d.title; });
      function series(name, key) {
        return { name: name, type: 'bar', stack: 'all', itemStyle: { color: colors[key] }, data: data.map(function (d) { return d.counts[key]; }) };
      }
      chart(el, {
        tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
        legend: { top: 0 },
        grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
        xAxis: { type: 'value', minInterval: 1 },
        yAxis: { type: 'category', data: names, inverse: true, axisLabel: { formatter: function (v) { return wrap(v, 14); } } },
        series: [series('滞后', 'late'), series('预警', 'warn'), series('正常', 'ok'), series('已完成', 'done')]
      });
    },
    ranking: function (el, data) {
      chart(el, {
        tooltip: { trigger: 'axis' },
        grid: { left: 8, right: 32, top: 8, bottom: 8, containLabel: true },
        xAxis: { type: 'value', max: 100 },
        yAxis: { type: 'category', data: data.map(function (d) { return d.name; }), inverse: true,
          axisLabel: { formatter: function (v) { return wrap(v, 10); } } },
        series: [{ type: 'bar', data: data.map(function (d) { return d.score; }), itemStyle: { color: '#b3261e' },
          label: { show: true, position: 'right', formatter: function (p) { return p.value.toFixed(1); } } }]
      });
    },
    history: function (el, data) {
      var pts = data.points || [];
      chart(el, {
        tooltip: { trigger: 'axis' },
        legend: { data: ['得分', '名次'], top: 0 },
        grid: { left: 8, right: 8, top: 32, bottom: 8, containLabel: true },
        xAxis: { type: 'category', data: pts.map(function (p) { return p.month; }) },
        yAxis: [{ type: 'value', name: '得分', max: 100 }, { type: 'value', name: '名次', inverse: true, minInterval: 1 }],
        series: [{ name: '得分', type: 'line', data: pts.map(function (p) { return p.score; }) },
          { name: '名次', type: 'line', yAxisIndex: 1, data: pts.map(function (p) { return p.rank; }) }]
      });
    },
    indicator: function (el, data) {
      function line(list) { return (list || []).map(function (p) { return [p.date, p.value]; }); }
      chart(el, {
        tooltip: { trigger: 'axis' },
        legend: { data: ['实际值', '进度目标'], top: 0 },
        grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
        xAxis: { type: 'time' },
        yAxis: { type: 'value', name: data.measure || '' },
        series: [{ name: '实际值', type: 'line', data: line(data.actual), itemStyle: { color: '#b3261e' } },
          { name: '进度目标', type: 'line', data: line(data.trajectory), lineStyle: { type: 'dashed' }, itemStyle: { color: '#57606a' } }]
      });
    }
  };

  function init() {
    document.querySelectorAll('[data-chart]').forEach(function (el) {
      var fn = draw[el.dataset.chart];
      if (!fn) return;
      var data;
      try { data = JSON.parse(el.dataset.json || 'null'); } catch (e) { return; }
      if (!data || (Array.isArray(data) && data.length === 0)) { el.hidden = true; return; }
      fn(el, data);
    });
    document.querySelectorAll('[data-print]').forEach(function (b) {
      b.addEventListener('click', function () { window.print(); });
    });
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init); else init();
})();
