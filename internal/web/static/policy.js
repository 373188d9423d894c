/* 亲清 — policy pages: the rule form builder, the amount editor, the
 * expression input and the simulation charts. No build step; the canonical
 * rule JSON lives in the form's "rule" textarea, which this script keeps in
 * step with the builder (and the builder with it). Every change is announced
 * with a bubbling "change" event, on which htmx asks for the live count. */
(function () {
  'use strict';

  function el(tag, attrs, kids) {
    var e = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        if (k === 'text') e.textContent = attrs[k];
        else if (k === 'class') e.className = attrs[k];
        else e.setAttribute(k, attrs[k]);
      });
    }
    (kids || []).forEach(function (c) { if (c) e.appendChild(c); });
    return e;
  }

  function option(value, label, selected) {
    var o = el('option', { value: value, text: label });
    if (selected) o.selected = true;
    return o;
  }

  var LIST_OPS = { 'in': 1, 'not_in': 1, 'has_any': 1, 'has_all': 1, 'prefix': 1 };
  var NONE_OPS = { 'known': 1, 'unknown': 1 };

  // ---- Rule builder ----

  function Builder(root) {
    this.root = root;
    this.fields = JSON.parse(root.dataset.fields || '[]');
    this.byName = {};
    var self = this;
    this.fields.forEach(function (f) { self.byName[f.name] = f; });
    this.textarea = document.getElementById(root.dataset.target);
    this.error = el('div', { class: 'alert', role: 'alert', hidden: '' });
    root.parentNode.insertBefore(this.error, root.nextSibling);
    this.load(this.textarea.value);
    this.textarea.addEventListener('change', function (ev) {
      if (ev.detail === 'builder') return;
      self.load(self.textarea.value);
    });
  }

  // load reads rule JSON into the builder; a rule that is not an all/any
  // group is wrapped in one for editing.
  Builder.prototype.load = function (text) {
    var rule;
    try {
      rule = text.trim() ? JSON.parse(text) : { all: [] };
      this.error.hidden = true;
    } catch (e) {
      this.error.textContent = '条件 JSON 格式有误：' + e.message;
      this.error.hidden = false;
      return;
    }
    this.model = this.toGroup(rule);
    this.render();
  };

  // toGroup turns a rule node into the builder's group model
  // {kind: all|any|none|notall, kids: [...]}; leaves stay as they are.
  Builder.prototype.toGroup = function (n) {
    var self = this;
    if (n && n.all) return { kind: 'all', kids: n.all.map(function (k) { return self.toNode(k); }) };
    if (n && n.any) return { kind: 'any', kids: n.any.map(function (k) { return self.toNode(k); }) };
    if (n && n.not) {
      var inner = n.not;
      if (inner.any) return { kind: 'none', kids: inner.any.map(function (k) { return self.toNode(k); }) };
      if (inner.all) return { kind: 'notall', kids: inner.all.map(function (k) { return self.toNode(k); }) };
      return { kind: 'notall', kids: [self.toNode(inner)] };
    }
    return { kind: 'all', kids: n && n.field ? [n] : [] };
  };

  Builder.prototype.toNode = function (n) {
    if (n && (n.all || n.any || n.not)) return this.toGroup(n);
    return { field: n.field, op: n.op, value: n.value };
  };

  Builder.prototype.toJSON = function (g) {
    var self = this;
    if (!g.kind) {
      var leaf = { field: g.field, op: g.op };
      if (!NONE_OPS[g.op]) leaf.value = g.value;
      return leaf;
    }
    var kids = g.kids.map(function (k) { return self.toJSON(k); });
    switch (g.kind) {
      case 'any': return { any: kids };
      case 'none': return { not: { any: kids } };
      case 'notall': return kids.length === 1 && !g.kids[0].kind ? { not: kids[0] } : { not: { all: kids } };
    }
    return { all: kids };
  };

  // sync writes the model to the textarea and announces the change.
  Builder.prototype.sync = function () {
    this.textarea.value = JSON.stringify(this.toJSON(this.model));
    this.textarea.dispatchEvent(new CustomEvent('change', { bubbles: true, detail: 'builder' }));
  };

  Builder.prototype.render = function () {
    this.root.textContent = '';
    this.root.appendChild(this.renderGroup(this.model, null));
  };

  Builder.prototype.renderGroup = function (g, parent) {
    var self = this;
    var kind = el('select', { class: 'rb-kind', 'aria-label': '条件组关系' }, [
      option('all', '满足以下全部条件', g.kind === 'all'),
      option('any', '满足以下任一条件', g.kind === 'any'),
      option('none', '以下条件都不满足', g.kind === 'none'),
      option('notall', '以下条件不能同时满足', g.kind === 'notall')
    ]);
    kind.addEventListener('change', function (ev) { ev.stopPropagation(); g.kind = kind.value; self.sync(); });
    var head = el('div', { class: 'rb-head' }, [kind]);
    if (parent) {
      var del = el('button', { type: 'button', class: 'secondary rb-del', text: '删除条件组' });
      del.addEventListener('click', function () { parent.kids.splice(parent.kids.indexOf(g), 1); self.render(); self.sync(); });
      head.appendChild(del);
    }
    var kids = el('div', { class: 'rb-kids' });
    g.kids.forEach(function (k) { kids.appendChild(k.kind ? self.renderGroup(k, g) : self.renderLeaf(k, g)); });
    var addLeaf = el('button', { type: 'button', class: 'secondary', 'data-act': 'add-leaf', text: '＋ 条件' });
    addLeaf.addEventListener('click', function () {
      g.kids.push(self.defaultLeaf('district'));
      self.render();
      self.sync();
    });
    var addGroup = el('button', { type: 'button', class: 'secondary', 'data-act': 'add-group', text: '＋ 条件组' });
    addGroup.addEventListener('click', function () {
      g.kids.push({ kind: 'any', kids: [self.defaultLeaf('employees')] });
      self.render();
      self.sync();
    });
    return el('div', { class: 'rb-group' }, [head, kids, el('div', { class: 'rb-actions' }, [addLeaf, addGroup])]);
  };

  Builder.prototype.defaultLeaf = function (name) {
    var f = this.byName[name] || this.fields[0];
    var leaf = { field: f.name, op: f.ops[0].value };
    leaf.value = this.defaultValue(f, leaf.op);
    return leaf;
  };

  Builder.prototype.defaultValue = function (f, op) {
    if (NONE_OPS[op]) return undefined;
    var first = f.values && f.values.length ? f.values[0].value : '';
    if (op === 'between') return f.type === 'date' ? ['2020-01-01', '2024-12-31'] : [0, 1000000];
    if (LIST_OPS[op]) return first ? [first] : (f.type === 'industry' ? ['C'] : []);
    if (f.type === 'money' || f.type === 'count') return 0;
    if (f.type === 'date') return '2020-01-01';
    return first;
  };

  // reshape keeps what it can of a value when the operator changes.
  Builder.prototype.reshape = function (f, op, v) {
    if (NONE_OPS[op]) return undefined;
    var list = Array.isArray(v) ? v : (v === undefined || v === '' ? [] : [v]);
    if (op === 'between') return list.length === 2 ? list : this.defaultValue(f, op);
    if (LIST_OPS[op]) return list.length ? list : this.defaultValue(f, op);
    return list.length ? list[0] : this.defaultValue(f, op);
  };

  Builder.prototype.renderLeaf = function (leaf, parent) {
    var self = this;
    var f = this.byName[leaf.field] || this.fields[0];
    var field = el('select', { class: 'rb-field', 'aria-label': '字段' });
    this.fields.forEach(function (x) { field.appendChild(option(x.name, x.label, x.name === f.name)); });
    var op = el('select', { class: 'rb-op', 'aria-label': '运算' });
    f.ops.forEach(function (o) { op.appendChild(option(o.value, o.label, o.value === leaf.op)); });
    var value = el('span', { class: 'rb-value' });
    var del = el('button', { type: 'button', class: 'rb-del', 'aria-label': '删除条件', text: '×' });
    var row = el('div', { class: 'rb-leaf' }, [field, op, value, del]);
    field.addEventListener('change', function (ev) {
      ev.stopPropagation();
      var nf = self.byName[field.value];
      leaf.field = nf.name;
      leaf.op = nf.ops[0].value;
      leaf.value = self.defaultValue(nf, leaf.op);
      row.replaceWith(self.renderLeaf(leaf, parent));
      self.sync();
    });
    op.addEventListener('change', function (ev) {
      ev.stopPropagation();
      leaf.value = self.reshape(f, op.value, leaf.value);
      leaf.op = op.value;
      row.replaceWith(self.renderLeaf(leaf, parent));
      self.sync();
    });
    del.addEventListener('click', function () { parent.kids.splice(parent.kids.indexOf(leaf), 1); self.render(); self.sync(); });
    this.renderValue(value, f, leaf);
    return row;
  };

  function wanHint(input, hint) {
    var n = Number(input.value);
    hint.textContent = input.value !== '' && isFinite(n) ? '＝' + (n / 10000).toFixed(2) + '万元' : '';
  }

  Builder.prototype.renderValue = function (box, f, leaf) {
    var self = this;
    var changed = function (ev) { if (ev) ev.stopPropagation(); self.sync(); };
    if (NONE_OPS[leaf.op]) return;
    var numeric = f.type === 'money' || f.type === 'count';
    var scalarInput = function (v, set, label) {
      var input = el('input', { 'aria-label': label || f.label });
      if (numeric) { input.type = 'number'; input.step = '1'; input.inputMode = 'numeric'; }
      else if (f.type === 'date') input.type = 'date';
      input.value = v === undefined || v === null ? '' : v;
      var hint = el('span', { class: 'rb-hint' });
      input.addEventListener('input', function () { if (f.type === 'money') wanHint(input, hint); });
      input.addEventListener('change', function (ev) {
        set(numeric ? (input.value === '' ? '' : Math.trunc(Number(input.value))) : input.value);
        changed(ev);
      });
      box.appendChild(input);
      if (f.type === 'money') { box.appendChild(el('span', { class: 'rb-hint', text: '元' })); box.appendChild(hint); wanHint(input, hint); }
      if (f.type === 'count') box.appendChild(el('span', { class: 'rb-hint', text: f.name === 'age_years' ? '年' : '人' }));
    };
    if (leaf.op === 'between') {
      var pair = Array.isArray(leaf.value) ? leaf.value : ['', ''];
      leaf.value = pair;
      scalarInput(pair[0], function (v) { pair[0] = v; }, '下限');
      box.appendChild(el('span', { text: '至' }));
      scalarInput(pair[1], function (v) { pair[1] = v; }, '上限');
      return;
    }
    var values = f.values || [];
    if (LIST_OPS[leaf.op] && values.length) {
      var chosen = Array.isArray(leaf.value) ? leaf.value : [];
      leaf.value = chosen;
      var known = {};
      values.forEach(function (v) { known[v.value] = 1; });
      chosen.forEach(function (c) { if (!known[c]) values = values.concat([{ value: c, label: c }]); });
      values.forEach(function (v) {
        var cb = el('input', { type: 'checkbox', value: v.value });
        cb.checked = chosen.indexOf(v.value) >= 0;
        cb.addEventListener('change', function (ev) {
          var i = chosen.indexOf(v.value);
          if (cb.checked && i < 0) chosen.push(v.value);
          if (!cb.checked && i >= 0) chosen.splice(i, 1);
          changed(ev);
        });
        box.appendChild(el('label', {}, [cb, document.createTextNode(v.label)]));
      });
      return;
    }
    if (LIST_OPS[leaf.op]) {
      var text = el('input', { 'aria-label': f.label, placeholder: f.type === 'industry' ? '如 C39, I65（逗号分隔）' : '多个值用逗号分隔' });
      text.value = (Array.isArray(leaf.value) ? leaf.value : []).join(', ');
      text.addEventListener('change', function (ev) {
        leaf.value = text.value.split(/[,，、\s]+/).filter(function (s) { return s; });
        changed(ev);
      });
      box.appendChild(text);
      return;
    }
    if (values.length) {
      var sel = el('select', { 'aria-label': f.label });
      var found = false;
      values.forEach(function (v) { found = found || v.value === leaf.value; sel.appendChild(option(v.value, v.label, v.value === leaf.value)); });
      if (!found && leaf.value) sel.appendChild(option(leaf.value, leaf.value, true));
      if (!found && !leaf.value) leaf.value = values[0].value;
      sel.addEventListener('change', function (ev) { leaf.value = sel.value; changed(ev); });
      box.appendChild(sel);
      return;
    }
    scalarInput(leaf.value, function (v) { leaf.value = v; });
  };

  // ---- Amount editor ----

  function wanToYuan(s) {
    s = (s || '').replace(/[,，\s万元]/g, '');
    if (s === '') return null;
    var n = Number(s);
    return isFinite(n) ? Math.round(n * 10000) : NaN;
  }

  function yuanToWan(y) { return y === undefined || y === null ? '' : String(y / 10000); }

  function AmountEditor(root) {
    var target = document.getElementById(root.dataset.target);
    var get = function (k) { return root.querySelector('[data-amount=' + k + ']'); };
    var show = function () {
      var kind = get('kind').value;
      root.querySelectorAll('[data-show]').forEach(function (l) { l.hidden = l.dataset.show !== kind; });
    };
    var load = function () {
      var a = {};
      try { a = target.value.trim() ? JSON.parse(target.value) : {}; } catch (e) { return; }
      get('kind').value = a.fixed ? 'fixed' : (a.rate ? 'rate' : '');
      get('fixed').value = yuanToWan(a.fixed);
      get('rate').value = a.rate || '';
      if (a.of) get('of').value = a.of;
      get('floor').value = yuanToWan(a.floor);
      get('cap').value = yuanToWan(a.cap);
      show();
    };
    var write = function () {
      var kind = get('kind').value, a = null;
      if (kind === 'fixed') a = { fixed: wanToYuan(get('fixed').value) };
      if (kind === 'rate') {
        a = { rate: Number(get('rate').value), of: get('of').value };
        var fl = wanToYuan(get('floor').value), cp = wanToYuan(get('cap').value);
        if (fl !== null) a.floor = fl;
        if (cp !== null) a.cap = cp;
      }
      target.value = a ? JSON.stringify(a) : '';
      show();
    };
    root.querySelectorAll('[data-amount]').forEach(function (i) { i.addEventListener('change', write); });
    target.addEventListener('change', load);
    load();
  }

  // ---- Expression input ----

  function ExprInput(input, button, errorBox, textarea) {
    var apply = function () {
      var src = input.value.trim();
      if (!src) return;
      fetch('/api/v1/policies/rules/parse', {
        method: 'POST', credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', 'Accept': 'application/json' },
        body: JSON.stringify({ expr: src })
      }).then(function (res) {
        return res.json().then(function (body) { return { ok: res.ok, body: body }; });
      }).then(function (r) {
        if (!r.ok) {
          errorBox.textContent = r.body.detail || '表达式无法转换';
          errorBox.hidden = false;
          return;
        }
        errorBox.hidden = true;
        input.value = '';
        textarea.value = JSON.stringify(r.body.rule);
        textarea.dispatchEvent(new Event('change', { bubbles: true }));
      }).catch(function () {
        errorBox.textContent = '网络错误，请重试';
        errorBox.hidden = false;
      });
    };
    button.addEventListener('click', apply);
    input.addEventListener('keydown', function (ev) { if (ev.key === 'Enter') { ev.preventDefault(); apply(); } });
  }

  // ---- Charts ----

  function initCharts(scope) {
    if (!window.echarts || !scope.querySelectorAll) return;
    scope.querySelectorAll('.sim-chart[data-groups]').forEach(function (node) {
      var groups = JSON.parse(node.dataset.groups || '[]');
      var chart = window.echarts.getInstanceByDom(node) || window.echarts.init(node);
      var budget = groups.some(function (g) { return g.budget_wan > 0; });
      var series = [
        { name: '符合', type: 'bar', data: groups.map(function (g) { return g.eligible; }), itemStyle: { color: '#1a7f37' } },
        { name: '待补充信息', type: 'bar', data: groups.map(function (g) { return g.unknown; }), itemStyle: { color: '#d4a72c' } }
      ];
      var yAxis = [{ type: 'value', name: '企业（家）' }];
      if (budget) {
        yAxis.push({ type: 'value', name: '万元', splitLine: { show: false } });
        series.push({ name: '资金（万元）', type: 'line', yAxisIndex: 1, data: groups.map(function (g) { return g.budget_wan; }), itemStyle: { color: '#b3261e' } });
      }
      chart.setOption({
        animation: false,
        tooltip: { trigger: 'axis' },
        legend: { top: 0 },
        grid: { left: 8, right: 8, bottom: 8, top: 48, containLabel: true },
        xAxis: { type: 'category', data: groups.map(function (g) { return g.label; }), axisLabel: { rotate: groups.length > 6 ? 45 : 0, interval: 0 } },
        yAxis: yAxis,
        series: series
      }, true);
      if (!node.dataset.resize) {
        node.dataset.resize = '1';
        window.addEventListener('resize', function () { chart.resize(); });
      }
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    document.querySelectorAll('[data-rule-builder]').forEach(function (root) { root.builder = new Builder(root); });
    document.querySelectorAll('[data-amount-editor]').forEach(function (root) { new AmountEditor(root); });
    var expr = document.getElementById('rule-expr');
    if (expr) {
      new ExprInput(expr, document.getElementById('expr-apply'), document.getElementById('expr-error'), document.getElementById('rule-json'));
    }
    initCharts(document);
  });
  document.addEventListener('htmx:afterSettle', function (ev) { initCharts(ev.target); });
})();
