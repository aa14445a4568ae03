/* 查看本地数据: search a county-level unit or a province and show its profile.
 * Data: window.CGOV_LOCAL, written at build time by cgov.localdata (already rounded by the book's rule;
 * this script only formats). Works from file:// and any sub-path; loads nothing else. */
(function () {
  "use strict";
  var D = window.CGOV_LOCAL;
  var root = document.getElementById("cgov-local");
  if (!D || !root) { return; }
  var V = D.vintages, C = D.columns, N = C.code.length, LAST = V.length - 1;
  var input = document.getElementById("cgov-local-search");
  var list = document.getElementById("cgov-local-list");
  var status = document.getElementById("cgov-local-status");
  var chooser = document.getElementById("cgov-local-province");
  var out = document.getElementById("cgov-local-profile");
  var LABEL = {};
  D.indicators.forEach(function (d) { LABEL[d.key] = d; });

  function undelta(xs) {
    var last = null;
    return xs.map(function (x) {
      if (x === null) { return null; }
      last = last === null ? x : last + x;
      return last;
    });
  }
  var units = [];
  for (var i = 0; i < N; i++) {
    var syll = C.pinyin[i].split(" ");
    var rc = undelta(C.rc[i]), vc = undelta(C.vc[i]);
    units.push({
      i: i, code: C.code[i], name: C.name[i], type: C.type[i], province: C.province[i], city: C.city[i],
      pinyin: syll.join(""), initials: syll.map(function (s) { return s.charAt(0); }).join(""),
      group: C.group_id[i] || C.code[i], members: C.group_members[i], rc: rc, vc: vc,
      rc_latest: rc[LAST], vc_latest: vc[LAST],
      rc_change: rc[0] === null || rc[LAST] === null ? null : rc[LAST] - rc[0]
    });
    ["rank_national", "rank_province", "to_residents", "to_villages", "pop2010", "pop2020", "pop_growth",
     "urban2010", "urban2020", "aged60", "aged65", "urban_per_rc"].forEach(function (k) { units[i][k] = C[k][i]; });
  }
  var byCode = {};
  units.forEach(function (u) { byCode[u.code] = u; });
  var ranked = { national: 0, province: {} };
  units.forEach(function (u) {
    if (u.urban_per_rc !== null) {
      ranked.national += 1;
      ranked.province[u.province] = (ranked.province[u.province] || 0) + 1;
    }
  });

  function fmt(value, digits) {
    if (value === null || value === undefined) { return "—"; }
    var s = value.toFixed(digits || 0), neg = s.charAt(0) === "-";
    if (neg) { s = s.slice(1); }
    var parts = s.split(".");
    parts[0] = parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return (neg ? "-" : "") + parts.join(".");
  }
  function show(key, value) {
    var d = LABEL[key];
    return fmt(value, d && d.digits ? d.digits : 0);
  }
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function el(tag, attrs, html) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (html !== undefined) { e.innerHTML = html; }
    return e;
  }

  /* --- search ---------------------------------------------------------------------------------- */
  function score(u, q) {
    if (u.name === q) { return 0; }
    if (u.name.indexOf(q) === 0) { return 1; }
    if (u.name.indexOf(q) > 0) { return 2; }
    if (/^[a-z]+$/.test(q)) {
      if (u.pinyin.indexOf(q) === 0) { return 3; }
      if (u.initials.indexOf(q) === 0) { return 4; }
      if (q.length > 2 && u.pinyin.indexOf(q) > 0) { return 5; }
    }
    return -1;
  }
  function search(query) {
    var q = query.trim().toLowerCase().replace(/\s+/g, "").replace(/[üv]/g, "u");
    if (!q) { return []; }
    var found = [];
    units.forEach(function (u) {
      var s = score(u, q);
      if (s >= 0) { found.push([s, u]); }
    });
    found.sort(function (a, b) { return a[0] - b[0] || (a[1].code < b[1].code ? -1 : 1); });
    return found.slice(0, 30).map(function (x) { return x[1]; });
  }
  var active = -1, shown = [];
  function optionId(k) { return "cgov-local-opt-" + k; }
  function renderList() {
    list.innerHTML = "";
    shown.forEach(function (u, k) {
      var li = el("li", { id: optionId(k), role: "option", "aria-selected": k === active ? "true" : "false",
                          "data-code": u.code },
                  "<span class=\"cgov-local-name\">" + esc(u.name) + "</span> <span class=\"cgov-local-where\">" +
                  esc(u.province + (u.city && u.city !== u.province && u.city !== "市辖区" ? " · " + u.city : "") +
                      " · " + u.type) + "</span>");
      li.addEventListener("mousedown", function (ev) { ev.preventDefault(); choose(u); });
      list.appendChild(li);
    });
    var open = shown.length > 0;
    list.hidden = !open;
    input.setAttribute("aria-expanded", open ? "true" : "false");
    if (active >= 0) { input.setAttribute("aria-activedescendant", optionId(active)); }
    else { input.removeAttribute("aria-activedescendant"); }
    status.textContent = input.value.trim() ? (shown.length ? "找到 " + shown.length + " 个单位" +
      (shown.length === 30 ? "（只列前 30 个，请输入更多字）" : "") + "，用上下方向键选择" : "没有找到匹配的单位") : "";
  }
  input.addEventListener("input", function () { shown = search(input.value); active = -1; renderList(); });
  input.addEventListener("keydown", function (ev) {
    if (ev.key === "ArrowDown" && shown.length) { active = (active + 1) % shown.length; renderList(); ev.preventDefault(); }
    else if (ev.key === "ArrowUp" && shown.length) { active = (active - 1 + shown.length) % shown.length; renderList(); ev.preventDefault(); }
    else if (ev.key === "Enter" && shown.length) { choose(shown[active >= 0 ? active : 0]); ev.preventDefault(); }
    else if (ev.key === "Escape") { shown = []; active = -1; renderList(); }
  });
  input.addEventListener("blur", function () { setTimeout(function () { shown = []; active = -1; renderList(); }, 150); });

  /* --- profile ------------------------------------------------------------------------------------- */
  function chart(series, caption) {
    var w = 320, h = 150, left = 44, bottom = 22, top = 10, values = [];
    series.forEach(function (s) { s.values.forEach(function (v) { if (v !== null) { values.push(v); } }); });
    if (!values.length) { return ""; }
    var max = Math.max.apply(null, values.concat([1])), x = function (k) { return left + k * (w - left - 10) / (V.length - 1); };
    var y = function (v) { return top + (h - top - bottom) * (1 - v / max); };
    var svg = "<svg viewBox=\"0 0 " + w + " " + h + "\" width=\"" + w + "\" height=\"" + h + "\" role=\"img\" aria-label=\"" +
      esc(caption) + "\">";
    svg += "<line x1=\"" + left + "\" x2=\"" + (w - 10) + "\" y1=\"" + y(0) + "\" y2=\"" + y(0) + "\" class=\"axis\"/>";
    svg += "<text x=\"" + (left - 4) + "\" y=\"" + (y(max) + 4) + "\" text-anchor=\"end\">" + fmt(max) + "</text>";
    svg += "<text x=\"" + (left - 4) + "\" y=\"" + (y(0) + 4) + "\" text-anchor=\"end\">0</text>";
    V.forEach(function (v, k) {
      if (k % 2 === 0 || k === V.length - 1) {
        svg += "<text x=\"" + x(k) + "\" y=\"" + (h - 6) + "\" text-anchor=\"middle\">" + v + "</text>";
      }
    });
    series.forEach(function (s) {
      var path = "", pen = "M";
      s.values.forEach(function (v, k) {
        if (v === null) { pen = "M"; return; }
        path += pen + x(k).toFixed(1) + "," + y(v).toFixed(1) + " "; pen = "L";
      });
      svg += "<path d=\"" + path + "\" class=\"" + s.cls + "\"/>";
    });
    return svg + "</svg>";
  }
  function legend() {
    return "<p class=\"cgov-local-legend\"><span class=\"rc\">━ 居委会</span> <span class=\"vc\">━ 村委会</span></p>";
  }
  function median(key, province) {
    return [D.provinces[province] ? D.provinces[province].medians[key] : null, D.national_medians[key]];
  }
  var ROWS = ["rc_latest", "vc_latest", "rc_change", "to_residents", "to_villages", "pop2010", "pop2020", "pop_growth",
              "urban2010", "urban2020", "aged60", "aged65", "urban_per_rc"];
  function profileRows(u) {
    return ROWS.map(function (key) {
      var d = LABEL[key], m = median(key, u.province);
      return [d.label + (d.unit === "%" ? "（%）" : "（" + d.unit + "）"), show(key, u[key]), show(key, m[0]), show(key, m[1])];
    });
  }
  function table(head, rows, caption) {
    var h = "<table class=\"cgov-local-table\"><caption>" + esc(caption) + "</caption><thead><tr>" +
      head.map(function (c) { return "<th scope=\"col\">" + esc(c) + "</th>"; }).join("") + "</tr></thead><tbody>";
    rows.forEach(function (r) {
      h += "<tr><th scope=\"row\">" + esc(r[0]) + "</th>" + r.slice(1).map(function (c) { return "<td>" + esc(c) + "</td>"; }).join("") + "</tr>";
    });
    return h + "</tbody></table>";
  }
  function csv(rows) {
    return "\ufeff" + rows.map(function (r) {
      return r.map(function (c) { c = String(c); return /[",\n]/.test(c) ? "\"" + c.replace(/"/g, "\"\"") + "\"" : c; }).join(",");
    }).join("\r\n") + "\r\n";
  }
  var SOURCE = "数据：国家统计局统计用区划代码（2016—" + V[LAST] + " 年各版）；第六次、第七次全国人口普查分县数据（据各地普查公报整理）。" +
    "由《基层党建引领社区治理》“查看本地数据”页生成，计算方法见该书数据附录。";
  function actions(name, rows) {
    var box = el("p", { "class": "cgov-local-actions" });
    var blob = new Blob([csv(rows)], { type: "text/csv;charset=utf-8" });
    var link = el("a", { href: URL.createObjectURL(blob), download: name + ".csv" }, "下载本页数据（CSV）");
    var print = el("button", { type: "button" }, "打印（A4 一页）");
    print.addEventListener("click", function () { window.print(); });
    var share = el("a", { href: location.href.split("#")[0] + location.hash }, "本页链接");
    box.appendChild(link); box.appendChild(document.createTextNode(" · ")); box.appendChild(print);
    box.appendChild(document.createTextNode(" · ")); box.appendChild(share);
    return box;
  }
  function showUnit(u) {
    var head = ["指标", u.name, u.province + "中位数", "全国中位数"];
    var rows = profileRows(u);
    var years = V.map(function (v, k) { return [String(v), fmt(u.rc[k]), fmt(u.vc[k])]; });
    var group = u.members ? "<p>" + esc(u.name) + "属于协调后的县组“" + esc(byCode[u.group] ? byCode[u.group].name : u.group) +
      "”：2016 年以来该县组先后包括 " + u.members.map(esc).join("、") + "。人口变化按县组计算，以便前后可比。</p>" :
      "<p>2016 年以来该单位的代码和辖区范围在区划代码中没有与其他单位合并或拆分。</p>";
    var rank = u.urban_per_rc === null ? "" : "<p>按每个居委会对应的城镇常住人口由多到少排序，" + esc(u.name) + "在全国 " +
      fmt(ranked.national) + " 个有数据的单位中列第 " + fmt(u.rank_national) + " 位，在" + esc(u.province) + "的 " +
      fmt(ranked.province[u.province]) + " 个单位中列第 " + fmt(u.rank_province) + " 位。</p>";
    out.innerHTML = "<h2 id=\"cgov-local-title\" tabindex=\"-1\">" + esc(u.name) + "</h2>" +
      "<p class=\"cgov-local-meta\">" + esc(u.province) + (u.city && u.city !== "市辖区" && u.city !== u.province ? " · " + esc(u.city) : "") +
      " · " + esc(u.type) + " · 代码 " + esc(u.code) + "</p>" + group +
      table(head, rows, esc(u.name) + "的主要指标与中位数") + rank +
      "<div class=\"cgov-local-years\"><div class=\"cgov-local-chart\">" +
        chart([{ values: u.rc, cls: "rc" }, { values: u.vc, cls: "vc" }], u.name + " 2016—" + V[LAST] + " 年居委会和村委会数") +
        legend() + "</div>" +
        table(["年份", "居委会", "村委会"], years, "各年版区划代码中的居委会和村委会数（“—”：该年没有这个代码）") + "</div>";
    out.appendChild(el("p", { "class": "cgov-local-source" }, esc(SOURCE)));
    out.appendChild(actions(u.code + "-" + u.name, [head].concat(rows).concat([["年份", "居委会", "村委会"]]).concat(years)
                            .concat([[SOURCE]])));
    document.getElementById("cgov-local-title").focus();
  }
  function showProvince(name) {
    var p = D.provinces[name];
    if (!p) { return; }
    var members = units.filter(function (u) { return u.province === name; });
    members.sort(function (a, b) { return (b.urban_per_rc === null ? -1 : b.urban_per_rc) - (a.urban_per_rc === null ? -1 : a.urban_per_rc); });
    var q = p.urban_per_rc;
    var rows = [["县级单位数（" + V[LAST] + " 年版代码）", fmt(p.units)],
                ["居委会数（" + V[LAST] + " 年版代码）", fmt(p.rc[LAST])], ["村委会数（" + V[LAST] + " 年版代码）", fmt(p.vc[LAST])],
                ["居委会净增数（2016—" + V[LAST] + "）", fmt(p.rc[LAST] - p.rc[0])],
                ["常住人口，2020（各县之和，人）", fmt(p.pop2020)], ["城镇人口比重，2020（%）", fmt(p.urban2020, 1)],
                ["60 岁及以上人口比重，2020（%）", fmt(p.aged60, 1)], ["65 岁及以上人口比重，2020（%）", fmt(p.aged65, 1)],
                ["每个居委会对应的城镇常住人口：各县最少 / 下四分位 / 中位数 / 上四分位 / 最多",
                 q.map(function (v) { return fmt(v); }).join(" / ")]];
    var list_ = members.map(function (u) {
      return [u.name, u.type, show("urban_per_rc", u.urban_per_rc), show("aged60", u.aged60), show("urban2020", u.urban2020)];
    });
    out.innerHTML = "<h2 id=\"cgov-local-title\" tabindex=\"-1\">" + esc(name) + "</h2>" +
      table(["指标", name], rows, esc(name) + "的主要指标") +
      "<div class=\"cgov-local-chart\">" + chart([{ values: p.rc, cls: "rc" }, { values: p.vc, cls: "vc" }],
        name + " 2016—" + V[LAST] + " 年居委会和村委会数") + legend() + "</div>" +
      table(["单位", "类型", "每个居委会对应的城镇常住人口", "60 岁及以上（%）", "城镇人口比重（%）"], list_,
            esc(name) + "各县级单位，按每个居委会对应的城镇常住人口由多到少排列");
    out.appendChild(el("p", { "class": "cgov-local-source" }, esc(SOURCE)));
    out.appendChild(actions(p.code + "-" + name, [["指标", name]].concat(rows).concat([[SOURCE]])));
    document.getElementById("cgov-local-title").focus();
  }
  function choose(u) {
    shown = []; active = -1; renderList();
    input.value = u.name;
    if (location.hash !== "#code=" + u.code) { location.hash = "code=" + u.code; } else { showUnit(u); }
  }
  Object.keys(D.provinces).forEach(function (name) {
    chooser.appendChild(el("option", { value: name }, esc(name)));
  });
  chooser.addEventListener("change", function () {
    if (!chooser.value) { return; }
    var target = "#province=" + D.provinces[chooser.value].code;
    if (location.hash !== target) { location.hash = target.slice(1); } else { showProvince(chooser.value); }
  });
  function route() {
    var m = /^#code=(\d{6})$/.exec(location.hash), p = /^#province=(\d{2})$/.exec(location.hash);
    if (m && byCode[m[1]]) { input.value = byCode[m[1]].name; showUnit(byCode[m[1]]); }
    else if (p) {
      Object.keys(D.provinces).forEach(function (name) {
        if (D.provinces[name].code === p[1]) { chooser.value = name; showProvince(name); }
      });
    }
  }
  window.addEventListener("hashchange", route);
  root.classList.add("cgov-local-ready");
  route();
}());
