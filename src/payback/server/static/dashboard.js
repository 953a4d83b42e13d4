/* payback dashboard: fetches the JSON API asynchronously and renders the views.
   Every text from the data is inserted with textContent (never as HTML). Numbers, months
   and labels arrive formatted by the server (payback.present): this file formats nothing. */
(function () {
  "use strict";
  var LEVELS = ["platform", "campaign", "keyword"];
  var LEVEL_LABELS = { platform: "platforms", campaign: "campaigns", keyword: "keywords" };
  var OPTIONAL = { ltv: "Customer lifetime value", economics: "Ceilings and verdicts",
                   visits: "Visits and goals", segments: "Customer segments",
                   partners: "Partners", bids: "Keyword bids" };
  var PLOT_CONFIG = { displaylogo: false, responsive: true,
                      modeBarButtonsToRemove: ["lasso2d", "select2d", "autoScale2d"] };
  var state = { token: null, drill: [], views: [], offered: [], wholeHistory: [], serial: {},
                period: null, headline: null };

  try { state.token = window.sessionStorage.getItem("payback-token"); } catch (e) { /* private mode */ }
  if (window.location.hash.indexOf("#token=") === 0) {
    state.token = decodeURIComponent(window.location.hash.slice(7));
    try { window.sessionStorage.setItem("payback-token", state.token); } catch (e) { /* ignore */ }
    window.history.replaceState(null, "", window.location.pathname + window.location.search);
  }

  function $(id) { return document.getElementById(id); }
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  /* -- the API --------------------------------------------------------------------------- */
  function filterParams() {
    var params = new URLSearchParams();
    /* the whole data period is the default: sent only when narrowed (cache-friendly) */
    var from = $("f-from").value, to = $("f-to").value, p = state.period || {};
    if (from && from !== p.start) { params.append("from", from); }
    if (to && to !== p.end) { params.append("to", to); }
    ["platform", "campaign", "partner"].forEach(function (dim) {
      var v = $("f-" + dim).value;
      if (v) { params.append("where", dim + "=" + v); }
    });
    return params;
  }

  function request(path, params) {
    var headers = { "Accept": "application/json" };
    if (state.token) { headers["Authorization"] = "Bearer " + state.token; }
    var url = path + (params && params.toString() ? "?" + params.toString() : "");
    return window.fetch(url, { headers: headers, credentials: "same-origin" }).then(function (r) {
      if (r.status === 401) {
        $("token-box").hidden = false;
        throw new Error("this dashboard needs its access token");
      }
      if (!r.ok) {
        return r.json().then(function (body) { throw new Error(body.detail || r.statusText); },
                             function () { throw new Error(r.status + " " + r.statusText); });
      }
      return r;
    });
  }
  function getJSON(path, params) { return request(path, params).then(function (r) { return r.json(); }); }

  /* A panel shows "computing…" while its request runs; a newer request wins. */
  function load(name, promiseFactory, render) {
    var panel = document.querySelector('[data-panel="' + name + '"]');
    var serial = (state.serial[name] || 0) + 1;
    state.serial[name] = serial;
    var old = panel.querySelector(".error");
    if (old) { old.remove(); }
    var busy = panel.querySelector(".busy");
    if (!busy) { busy = el("div", "busy", "computing…"); panel.appendChild(busy); }
    panel.classList.add("loading");
    panel.setAttribute("aria-busy", "true");
    return promiseFactory().then(function (data) {
      if (state.serial[name] !== serial) { return; }
      render(data);
    }).catch(function (err) {
      if (state.serial[name] !== serial) { return; }
      panel.insertBefore(el("div", "error", String(err.message || err)), panel.firstChild);
    }).then(function () {
      if (state.serial[name] !== serial) { return; }
      panel.classList.remove("loading");
      panel.removeAttribute("aria-busy");
      var b = panel.querySelector(".busy");
      if (b) { b.remove(); }
    });
  }

  function plot(node, figure) {
    window.Plotly.react(node, figure.data || [], figure.layout || {}, PLOT_CONFIG);
  }

  /* -- views ----------------------------------------------------------------------------- */
  function renderHeadline(data) {
    $("period-label").textContent = data.period ? data.period.start + " – " + data.period.end : "no data";
    /* with no dates narrowed: whole-history totals, changes month on month ("Dec 2025 vs Nov 2025") */
    $("previous-label").textContent = data.comparison || data.note || "–";
    $("currency-label").textContent = data.currency || "–";
    var host = $("cards");
    host.textContent = "";
    if (!data.cards.length) {
      host.appendChild(el("p", "empty", "No advertising statistics or orders in the store yet."));
      return;
    }
    $("headline-intro").textContent = data.intro || "";
    state.headline = data;
    data.cards.forEach(function (c) { host.appendChild(renderCard(c, data)); });
    if (data.cards.some(function (c) { return c.metric === "cac"; })) {
      /* the LTV/CAC card needs the CLV fit: it comes from /api/ltv_cac once /api/ltv is there */
      var pending = el("article", "card pending");
      pending.setAttribute("data-metric", "ltv_cac");
      pending.appendChild(el("div", "card-label", "LTV/CAC"));
      pending.appendChild(el("div", "card-value", "computing…"));
      host.appendChild(pending);
    }
  }

  function renderCard(c, data) {
    var whole = data.whole_history;
    var names = whole ? [data.compared_name, data.previous_name] : [];
    var card = el("article", "card");
    card.setAttribute("data-metric", c.metric);
    var label = el("div", "card-label", c.label);
    if (c.basis) { label.appendChild(document.createTextNode(" ")); label.appendChild(el("span", "basis", c.basis)); }
    card.appendChild(label);
    var value = el("div", "card-value", c.text);
    value.title = c.exact_text + ": " + c.explanation;
    card.appendChild(value);
    if (c.basis) {
      var blended = el("div", "card-blended", "blended " + c.blended_text);
      blended.title = c.blended_explanation;
      card.appendChild(blended);
    }
    var change = el("div", "card-change " + (data.note ? "neutral" : (c.verdict || "neutral")));
    if (data.note) {
      change.appendChild(el("span", "vs", data.note));
    } else if (whole) {
      change.title = names[0] + ": " + c.current_text + "; " + names[1] + ": " + c.previous_text;
      change.appendChild(el("span", "vs", data.comparison + ":"));
      change.appendChild(document.createTextNode(" "));
      change.appendChild(el("span", "delta", c.change_text));
    } else {
      change.appendChild(el("span", "delta", c.change_text));
      change.appendChild(document.createTextNode(" "));
      change.appendChild(el("span", "vs", "vs " + c.previous_text));
    }
    card.appendChild(change);
    var details = el("details");
    details.appendChild(el("summary", null, "How is this computed?"));
    details.appendChild(el("p", "formula", c.label + " = " + c.formula));
    if (c.inputs.length) {
      var t = el("table", "inputs");
      var head = t.createTHead().insertRow();
      (whole ? ["", "whole history"].concat(names) : ["", "this period", "previous"]).forEach(function (h) {
        head.appendChild(el("th", null, h));
      });
      var body = t.createTBody();
      c.inputs.forEach(function (i) {
        var row = body.insertRow();
        row.appendChild(el("th", null, i.label));
        row.appendChild(el("td", null, i.text));
        if (whole) { row.appendChild(el("td", null, i.current_text)); }
        row.appendChild(el("td", null, i.previous_text));
      });
      details.appendChild(t);
    }
    details.appendChild(el("p", "explanation", c.explanation));
    if (c.blended_explanation) { details.appendChild(el("p", "explanation", c.blended_explanation)); }
    card.appendChild(details);
    return card;
  }

  /* The headline's LTV/CAC card: asked once the headline and /api/ltv (which computes the
     same CLV fit) are there, so it never holds the headline up. */
  function loadLtvCac(params, waitFor) {
    var serial = state.serial.headline;
    function pending() {
      var node = document.querySelector('#cards article.pending[data-metric="ltv_cac"]');
      return state.serial.headline === serial ? node : null;
    }
    return Promise.all(waitFor).then(function () {
      if (!pending()) { return null; }
      return getJSON("/api/ltv_cac", params).then(function (doc) {
        var node = pending();
        if (!node) { return; }
        if (doc.card) {
          node.replaceWith(renderCard(doc.card, state.headline));
        } else {
          node.remove();
        }
      }, function (err) {
        var node = pending();
        if (!node) { return; }
        node.classList.remove("pending");
        var value = node.querySelector(".card-value");
        value.textContent = "–";
        node.appendChild(el("div", "error", String(err.message || err)));
      });
    });
  }

  function renderTable(table, data, onRow) {
    var thead = table.tHead, tbody = table.tBodies[0], tfoot = table.tFoot;
    thead.textContent = ""; tbody.textContent = ""; tfoot.textContent = "";
    var hr = thead.insertRow();
    data.columns.forEach(function (c) {
      var th = el("th", c.unit ? "num" : "dim", c.label);
      th.setAttribute("scope", "col");
      th.setAttribute("data-type", c.unit ? "number" : "text");
      if (c.title) { th.title = c.title; }
      hr.appendChild(th);
    });
    function fill(tr, cells) {
      cells.forEach(function (cell, i) {
        var td = el("td", (data.columns[i].unit ? "num" : "dim") + (cell.missing ? " missing" : ""), cell.text);
        td.title = cell.title;
        td.setAttribute("data-sort", cell.sort);
        tr.appendChild(td);
      });
    }
    data.rows.forEach(function (row) {
      var tr = tbody.insertRow();
      fill(tr, row.cells);
      if (onRow) { onRow(tr, row); }
    });
    (data.totals || []).forEach(function (cells) { fill(tfoot.insertRow(), cells); });
    if (window.paybackReport) { window.paybackReport.makeSortable(table); }
  }

  function drillParams() {
    var params = filterParams();
    state.drill.forEach(function (d) { params.append("where", d.dim + "=" + d.value); });
    params.set("by", LEVELS[Math.min(state.drill.length, LEVELS.length - 1)]);
    return params;
  }

  function renderCrumbs() {
    var nav = $("crumbs");
    nav.textContent = "";
    var all = el("button", null, "All platforms");
    all.type = "button";
    all.addEventListener("click", function () { state.drill = []; loadDrill(); });
    nav.appendChild(all);
    state.drill.forEach(function (d, i) {
      nav.appendChild(el("span", "sep", "›"));
      var last = i === state.drill.length - 1;
      var b = el(last ? "span" : "button", last ? "current" : null, d.text);
      if (!last) {
        b.type = "button";
        b.addEventListener("click", function () { state.drill = state.drill.slice(0, i + 1); loadDrill(); });
      }
      nav.appendChild(b);
    });
  }

  function loadDrill() {
    renderCrumbs();
    var level = LEVELS[Math.min(state.drill.length, LEVELS.length - 1)];
    return load("table", function () { return getJSON("/api/table", drillParams()); }, function (data) {
      $("drill-chart-title").textContent = "CPO and CAC by " + level + (data.rows.length > 15 ? " (top 15 by spend)" : "");
      $("drill-count").textContent = data.row_count_text + " " + LEVEL_LABELS[level] +
        (data.row_count > data.rows.length ? " (largest " + data.rows.length + " by spend shown; CSV has all)" : "");
      var canDrill = state.drill.length < LEVELS.length - 1;
      renderTable($("drill-table"), data, function (tr, row) {
        var value = row.values[level];
        if (!canDrill || value === null || value === undefined) { return; }
        tr.classList.add("drillable");
        tr.title = "Show the " + LEVEL_LABELS[LEVELS[state.drill.length + 1]] + " of " + value;
        tr.addEventListener("click", function () {
          state.drill.push({ dim: level, value: value, text: row.labels[level] });
          loadDrill();
        });
      });
      plot($("fig-drill"), data.figure);
    });
  }

  function renderSection(name, data) {
    var host = $("section-" + name);
    host.textContent = "";
    if (data.intro) { host.appendChild(el("p", "intro", data.intro)); }
    var figs = el("div", "figures" + (data.figures.length > 1 ? " two" : ""));
    data.figures.forEach(function (f) {
      var fig = el("figure");
      fig.appendChild(el("figcaption", null, f.title));
      var node = el("div", "chart");
      fig.appendChild(node);
      if (f.caption) { fig.appendChild(el("p", "caption", f.caption)); }
      figs.appendChild(fig);
      window.setTimeout(function () { plot(node, f.figure); }, 0);
    });
    host.appendChild(figs);
    data.tables.forEach(function (t) {
      var block = el("div", "table-block");
      block.appendChild(el("h3", null, t.title));
      var scroll = el("div", "table-scroll");
      var table = el("table", "metrics sortable");
      table.createTHead(); table.createTBody(); table.createTFoot();
      scroll.appendChild(table);
      block.appendChild(scroll);
      if (t.note) { block.appendChild(el("p", "note", t.note)); }
      host.appendChild(block);
      renderTable(table, t);
    });
    data.notes.forEach(function (n) { host.appendChild(el("p", "note", n)); });
  }

  function loadAll() {
    var params = filterParams();
    var waits = [load("headline", function () { return getJSON("/api/headline", params); }, renderHeadline)];
    load("timeseries", function () { return getJSON("/api/timeseries", params); }, function (data) {
      var unit = { date: "day", week: "week", month: "month" }[data.grain];
      $("over-time-intro").textContent = "Per " + unit + ". DRR (share of advertising cost) = cost / revenue; lower is better.";
      plot($("fig-over-time"), data.figure);
    });
    loadDrill();
    state.views.forEach(function (name) {
      /* a view on the whole history (CLV) takes no period or filters */
      var own = state.wholeHistory.indexOf(name) >= 0 ? null : params;
      var done = load(name, function () { return getJSON("/api/" + name, own); }, function (d) { renderSection(name, d); });
      if (name === "ltv") { waits.push(done); }
    });
    if (state.offered.indexOf("ltv_cac") >= 0) { loadLtvCac(params, waits); }
  }

  /* -- downloads (fetched, so the token header goes along) --------------------------------- */
  function download(path, params, filename) {
    return request(path, params).then(function (r) { return r.blob(); }).then(function (blob) {
      var a = el("a");
      a.href = URL.createObjectURL(blob);
      a.download = filename;
      document.body.appendChild(a);
      a.click();
      window.setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
    }).catch(function (err) { window.alert(String(err.message || err)); });
  }

  function fillSelect(select, values) {
    values.forEach(function (v) { select.appendChild(el("option", null, v)).value = v; });
  }

  function start() {
    $("filters").addEventListener("submit", function (e) { e.preventDefault(); state.drill = []; loadAll(); });
    $("f-reset").addEventListener("click", function () { $("filters").reset(); state.drill = []; init(); });
    $("token-form").addEventListener("submit", function (e) {
      e.preventDefault();
      state.token = $("token-input").value;
      try { window.sessionStorage.setItem("payback-token", state.token); } catch (err) { /* ignore */ }
      $("token-box").hidden = true;
      init();
    });
    $("dl-report").addEventListener("click", function () { download("/api/report", filterParams(), "payback-report.html"); });
    $("dl-csv").addEventListener("click", function () { download("/api/metrics.csv", drillParams(), "metrics.csv"); });
    $("dl-parquet").addEventListener("click", function () { download("/api/metrics.parquet", drillParams(), "metrics.parquet"); });
    init();
  }

  function init() {
    return Promise.all([getJSON("/api/filters"), getJSON("/api/catalogue")]).then(function (got) {
      var filters = got[0], catalogue = got[1];
      ["platform", "campaign", "partner"].forEach(function (dim) {
        var select = $("f-" + dim);
        while (select.options.length > 1) { select.remove(1); }
        fillSelect(select, filters[dim]);
        select.parentNode.hidden = dim === "partner" && !filters[dim].length;
      });
      state.period = filters.period;
      if (filters.period) {
        $("f-from").value = filters.period.start; $("f-to").value = filters.period.end;
        $("f-from").min = $("f-to").min = filters.period.start;
        $("f-from").max = $("f-to").max = filters.period.end;
      }
      state.offered = catalogue.views;
      state.views = catalogue.views.filter(function (v) { return OPTIONAL[v]; });
      state.wholeHistory = catalogue.whole_history || [];
      var extra = $("extra-sections");
      extra.textContent = "";
      state.views.forEach(function (name) {
        var section = el("section");
        section.id = name;
        section.appendChild(el("h2", null, OPTIONAL[name]));
        var panel = el("div", "panel");
        panel.setAttribute("data-panel", name);
        var inner = el("div");
        inner.id = "section-" + name;
        panel.appendChild(inner);
        section.appendChild(panel);
        extra.appendChild(section);
      });
      loadAll();
    }).catch(function (err) {
      var panel = document.querySelector('[data-panel="headline"]');
      panel.insertBefore(el("div", "error", String(err.message || err)), panel.firstChild);
    });
  }

  document.addEventListener("DOMContentLoaded", start);
})();
