/* global document, window */
/*
 * The 统计 page's charts, drawn with ECharts from the figures the page
 * embeds (#stats-data). The tables below each chart hold the same numbers
 * (and work without JavaScript); a click on a bar or a point opens the list
 * of its cases.
 */
(function () {
  'use strict';
  var el = document.getElementById('stats-data');
  if (!el || !window.echarts) return;
  var data = JSON.parse(el.textContent || '{}');
  var FONT = '"Noto Sans CJK SC", "WenQuanYi Zen Hei", "Microsoft YaHei", sans-serif';
  var charts = [];
  var narrow = window.innerWidth < 600;

  // A click anywhere in a category's column (or row) opens its cases: bars may be short, and the axis shadow lies over them.
  function draw(name, option, links, axis) {
    var box = document.querySelector('.chart[data-chart="' + name + '"]');
    if (!box) return;
    box.hidden = false;
    var chart = window.echarts.init(box, null, { renderer: 'svg' });
    option.textStyle = { fontFamily: FONT };
    option.animation = false;
    chart.setOption(option);
    chart.getZr().on('click', function (e) {
      var point = [e.offsetX, e.offsetY];
      if (!chart.containPixel({ gridIndex: 0 }, point)) return;
      var value = chart.convertFromPixel({ seriesIndex: 0 }, point);
      var index = Math.round(axis === 'y' ? value[1] : value[0]);
      var href = links(index);
      if (href) window.location.href = href;
    });
    box.style.cursor = 'pointer';
    charts.push(chart);
  }
  var names = data.districts.map(function (d) { return d.name; });
  var grid = { left: 8, right: 16, top: 36, bottom: 8, containLabel: true };
  var axisLabel = { interval: 0, rotate: narrow && names.length > 3 ? 30 : 0 };

  // Open major hazards: the target is zero (动态清零), drawn as a line at 0.
  draw('openMajor', {
    grid: grid,
    tooltip: { trigger: 'axis' },
    xAxis: { type: 'category', data: names, axisLabel: axisLabel },
    yAxis: { type: 'value', minInterval: 1 },
    series: [{
      name: '重大隐患未销号', type: 'bar', barMaxWidth: 40,
      data: data.districts.map(function (d) { return { value: d.openMajor, itemStyle: { color: d.openMajor === 0 ? '#4a8' : '#c33' } }; }),
      label: { show: true, position: 'top' },
      markLine: { symbol: 'none', silent: true, lineStyle: { color: '#2a6', width: 2 }, label: { formatter: '目标：清零', position: 'insideEndTop' }, data: [{ yAxis: 0 }] },
    }],
  }, function (i) { return data.districts[i] && data.districts[i].links.openMajor; });

  // Overdue matters by unit (district · unit), most first.
  var units = data.units.slice().reverse();
  var overdueBox = document.querySelector('.chart[data-chart="overdue"]');
  if (overdueBox) overdueBox.style.height = Math.max(160, 40 + units.length * 28) + 'px';
  if (units.length > 0) {
    draw('overdue', {
      grid: grid,
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      xAxis: { type: 'value', minInterval: 1 },
      yAxis: { type: 'category', data: units.map(function (u) { return u.name; }), axisLabel: { width: narrow ? 120 : 260, overflow: 'truncate' } },
      series: [{ name: '逾期未办', type: 'bar', barMaxWidth: 22, itemStyle: { color: '#e0a030' }, label: { show: true, position: 'right' }, data: units.map(function (u) { return u.overdue; }) }],
    }, function (i) { return units[i] && units[i].link; }, 'y');
  }

  // Accidents against quota: percent used, the thresholds drawn as lines.
  var withQuota = data.districts.filter(function (d) { return d.percent !== null; });
  if (withQuota.length > 0) {
    var first = data.thresholds[0] || 80;
    draw('quotas', {
      grid: grid,
      tooltip: {
        trigger: 'axis', axisPointer: { type: 'shadow' },
        formatter: function (ps) { var d = withQuota[ps[0].dataIndex]; return d.name + '<br>事故 ' + d.accidents + ' 起 / 控制指标 ' + d.quota + ' 起（' + d.percent + '%）'; },
      },
      xAxis: { type: 'category', data: withQuota.map(function (d) { return d.name; }), axisLabel: axisLabel },
      yAxis: { type: 'value', max: function (v) { return Math.max(120, Math.ceil(v.max / 10) * 10 + 10); }, axisLabel: { formatter: '{value}%' } },
      series: [{
        name: '控制指标使用比例', type: 'bar', barMaxWidth: 40,
        data: withQuota.map(function (d) { return { value: d.percent, itemStyle: { color: d.percent >= 100 ? '#c33' : d.percent >= first ? '#e0a030' : '#4a8' } }; }),
        label: { show: true, position: 'top', formatter: '{c}%' },
        markLine: {
          symbol: 'none', silent: true,
          data: data.thresholds.map(function (t) { return { yAxis: t, lineStyle: { color: t >= 100 ? '#c33' : '#e0a030', type: 'dashed', width: 2 }, label: { formatter: '预警线 ' + t + '%', position: 'insideEndTop' } }; }),
        },
      }],
    }, function (i) { return withQuota[i] && withQuota[i].links.accidents; });
  }

  // Twelve months of trend.
  draw('trend', {
    grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
    tooltip: { trigger: 'axis' },
    legend: { top: 0, data: ['事故起数', '死亡人数', '隐患发现'] },
    xAxis: { type: 'category', data: data.trend.map(function (t) { return t.label.replace(/^\d{4}年/, ''); }), axisLabel: { interval: narrow ? 1 : 0 } },
    yAxis: [{ type: 'value', minInterval: 1, name: '事故' }, { type: 'value', minInterval: 1, name: '隐患' }],
    series: [
      { name: '事故起数', type: 'line', data: data.trend.map(function (t) { return t.accidents; }), itemStyle: { color: '#c33' } },
      { name: '死亡人数', type: 'line', data: data.trend.map(function (t) { return t.deaths; }), itemStyle: { color: '#555' } },
      { name: '隐患发现', type: 'line', yAxisIndex: 1, data: data.trend.map(function (t) { return t.hazardsFound; }), itemStyle: { color: '#37a' } },
    ],
  }, function (i) { return data.trend[i] && data.trend[i].accidentsLink; });

  window.addEventListener('resize', function () { charts.forEach(function (c) { c.resize(); }); });
})();
