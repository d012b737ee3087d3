/* The timeline of dated facts (templates/_timeline.html, web/timeline.py).
 *
 * Draws the facts of /timeline.json as SVG: a fact dated by a year or a month is a bar over
 * the Gregorian days it covers, a day a point, a date known only from above ("on or before")
 * a point with a dashed tail towards the past. Each fact is a link (keyboard: Tab, Enter) to
 * its page, titled with its Jalali date as written and its Gregorian days (beyond COMPACT_ABOVE
 * facts, marks only in thin rows, the words in the titles). The kind (and, on
 * the home page, city) <select>s filter the drawing and the server-rendered list beside it
 * through /timeline.json. On Persian pages time runs right to left. Same-origin requests only;
 * no inline style (colours come from static/timeline.css classes).
 */
(function () {
  "use strict";

  var SVG = "http://www.w3.org/2000/svg";
  var DAY = 86400000;
  var AXIS = 58; // height of the two year scales
  var LANE = 44; // height of one row of facts
  var GAP = 10; // least space between two facts in a row
  var MAX_LABEL = 60; // characters of a label drawn (the whole label is in the title)
  var COMPACT_ABOVE = 40; // more facts than this: marks only, in thin rows (text in titles)
  var THIN = 10; // height of a row of marks
  var MAX_THIN_ROWS = 50; // beyond, marks share rows (the list and each title say what is where)
  var PERSIAN = "۰۱۲۳۴۵۶۷۸۹";

  function svg(name, attrs, parent) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attrs || {}).forEach(function (key) {
      node.setAttribute(key, attrs[key]);
    });
    if (parent) parent.appendChild(node);
    return node;
  }

  function html(name, className, text, parent) {
    var node = document.createElement(name);
    if (className) node.className = className;
    if (text) node.textContent = text;
    if (parent) parent.appendChild(node);
    return node;
  }

  function day(iso) {
    return Date.parse(iso + "T00:00:00Z");
  }

  function digits(value, lang) {
    var text = String(value);
    return lang === "fa" ? text.replace(/[0-9]/g, function (d) { return PERSIAN[+d]; }) : text;
  }

  function shorten(text) {
    return text.length > MAX_LABEL ? text.slice(0, MAX_LABEL - 1) + "…" : text;
  }

  function label(labels, lang) {
    return labels[lang] || labels.en || labels[""] || "";
  }

  /* The words of a fact for its title and its link's accessible name. */
  function describe(fact, timeline) {
    var lang = timeline.lang;
    var texts = fact.texts[lang];
    var ds = timeline.section.dataset;
    var lines = [label(fact.labels, lang) + " (" + fact.kindLabels[lang] + ")", texts.written];
    if (texts.printed) lines.push(ds.printedText + ": " + texts.printed);
    lines.push(ds.gregorianText + ": " + texts.gregorian);
    if (texts.jalali) lines.push(ds.jalaliText + ": " + texts.jalali);
    var cities = fact.cities.map(function (iri) { return label(fact.cityLabels[iri] || {}, lang); });
    if (cities.length) lines.push(ds.citiesText + ": " + cities.join(lang === "fa" ? "، " : ", "));
    return lines;
  }

  /* The time scale: the facts' days with a margin, onto the plot's width (mirrored in RTL). */
  function scale(facts, width, rtl) {
    var lo = Infinity;
    var hi = -Infinity;
    facts.forEach(function (f) {
      lo = Math.min(lo, day(f.start || f.end));
      hi = Math.max(hi, day(f.end) + DAY);
    });
    var margin = Math.max((hi - lo) * 0.04, 120 * DAY);
    lo -= margin;
    hi += margin;
    var left = 12;
    var right = width - 12;
    var x = function (t) {
      var share = (t - lo) / (hi - lo);
      return rtl ? right - share * (right - left) : left + share * (right - left);
    };
    return { lo: lo, hi: hi, left: left, right: right, x: x };
  }

  function yearStep(s) {
    var years = (s.hi - s.lo) / (365.2425 * DAY);
    var perYear = (s.right - s.left) / years;
    var steps = [1, 2, 5, 10, 20, 25, 50, 100, 200, 500];
    for (var i = 0; i < steps.length; i++) {
      if (steps[i] * perYear >= 56) return steps[i];
    }
    return 1000;
  }

  /* Two rows of year ticks: the page's calendar above, the other below; grid lines down. */
  function drawAxes(root, s, data, timeline, height) {
    var step = yearStep(s);
    var gregorian = [];
    var first = new Date(s.lo).getUTCFullYear();
    var last = new Date(s.hi).getUTCFullYear();
    for (var y = Math.ceil(first / step) * step; y <= last; y += step) {
      gregorian.push({ year: y, t: Date.UTC(y, 0, 1) });
    }
    var jalali = (data.jalaliYears || [])
      .filter(function (j) { return j.year % step === 0; })
      .map(function (j) { return { year: j.year, t: day(j.start) }; });
    var rows = timeline.lang === "fa" ? [jalali, gregorian] : [gregorian, jalali];
    var classes = timeline.lang === "fa" ? ["tl-jalali", "tl-gregorian"] : ["tl-gregorian", "tl-jalali"];
    var axes = svg("g", { "class": "tl-axes", "aria-hidden": "true" }, root);
    rows.forEach(function (ticks, row) {
      ticks.forEach(function (tick) {
        if (tick.t < s.lo || tick.t > s.hi) return;
        var x = s.x(tick.t);
        var y = 20 + row * 22;
        svg("line", { "class": "tl-tick " + classes[row], x1: x, x2: x, y1: y + 3, y2: y + 9 }, axes);
        if (row === 0) svg("line", { "class": "tl-grid", x1: x, x2: x, y1: AXIS - 4, y2: height }, axes);
        var text = svg("text", { "class": "tl-year " + classes[row], x: x, y: y, "text-anchor": "middle" }, axes);
        text.textContent = digits(tick.year, timeline.lang);
      });
    });
    svg("line", { "class": "tl-baseline", x1: s.left, x2: s.right, y1: AXIS - 4, y2: AXIS - 4 }, axes);
  }

  /* One fact: its mark, its two lines of text, a hit area; returns its horizontal extent. */
  function drawFact(root, fact, s, timeline) {
    var lang = timeline.lang;
    var rtl = timeline.rtl;
    var lines = describe(fact, timeline);
    var link = svg("a", {
      href: fact.href,
      "class": "tl-item tl-kind-" + fact.kind + (fact.range ? " tl-is-range" : " tl-is-point"),
      "data-iri": fact.iri,
      "data-kind": fact.kind,
      "data-start": fact.start || "",
      "data-end": fact.end,
      "aria-label": lines.join(". ")
    }, root);
    svg("title", {}, link).textContent = lines.join("\n");
    var hit = svg("rect", { "class": "tl-hit", rx: 4 }, link);
    var a;
    var b;
    var mid = timeline.compact ? THIN / 2 : 12; // the marks' vertical middle
    var half = timeline.compact ? 3 : 6; // half a mark's height
    if (fact.range) {
      var xs = s.x(day(fact.start));
      var xe = s.x(day(fact.end) + DAY);
      a = Math.min(xs, xe);
      b = Math.max(xs, xe);
      if (b - a < 3) { a = (a + b) / 2 - 1.5; b = a + 3; }
      svg("rect", { "class": "tl-mark tl-range", x: a, y: mid - half, width: b - a, height: 2 * half, rx: 2 }, link);
    } else {
      var t = day(fact.end) + DAY / 2;
      var x = s.x(t);
      a = x - half;
      b = x + half;
      if (fact.onOrBefore) {
        var tail = rtl ? x + 22 : x - 22;
        svg("line", { "class": "tl-tail", x1: x, x2: tail, y1: mid, y2: mid }, link);
        a = Math.min(a, tail);
        b = Math.max(b, tail);
      }
      svg("circle", { "class": "tl-mark tl-point", cx: x, cy: mid, r: half }, link);
    }
    if (timeline.compact) {
      hit.setAttribute("x", a - 3);
      hit.setAttribute("y", 0);
      hit.setAttribute("width", b - a + 6);
      hit.setAttribute("height", THIN);
      return { node: link, lo: a, hi: b };
    }
    var title = svg("text", { "class": "tl-label", y: 16 }, link);
    title.textContent = shorten(label(fact.labels, lang));
    var date = svg("text", { "class": "tl-date", y: 34 }, link);
    date.textContent = fact.texts[lang].written + " · " + fact.texts[lang].gregorian;
    var width = Math.max(title.getComputedTextLength(), date.getComputedTextLength());
    // The text follows the mark in reading order, or precedes it where it would not fit;
    // where it fits on neither side (a narrow screen), it goes where there is more room and
    // is shortened (the whole text stays in the title and the list).
    var roomRight = s.right - b - 8;
    var roomLeft = a - 8 - s.left;
    var after = rtl ? roomLeft >= width : roomRight >= width;
    var before = rtl ? roomRight >= width : roomLeft >= width;
    var forward = rtl ? !after : after; // text to the right of the mark
    if (!after && !before) {
      forward = roomRight > roomLeft;
      var room = Math.max(roomRight, roomLeft, 40);
      fit(date, room, fact.texts[lang].written);
      fit(title, room, null);
      width = Math.max(title.getComputedTextLength(), date.getComputedTextLength());
    }
    var tx = forward ? b + 8 : a - 8;
    [title, date].forEach(function (node) {
      node.setAttribute("x", tx);
      node.setAttribute("text-anchor", forward === !rtl ? "start" : "end");
    });
    var lo = forward ? a : a - 8 - width;
    var hi = forward ? b + 8 + width : b;
    hit.setAttribute("x", lo - 5);
    hit.setAttribute("y", 0);
    hit.setAttribute("width", hi - lo + 10);
    hit.setAttribute("height", LANE - 4);
    return { node: link, lo: lo, hi: hi };
  }

  /* Shorten a text node to `room` pixels: first to `shorter` (if given), then letter by letter. */
  function fit(node, room, shorter) {
    if (node.getComputedTextLength() <= room) return;
    if (shorter) node.textContent = shorter;
    var text = node.textContent;
    while (node.getComputedTextLength() > room && text.length > 4) {
      text = text.slice(0, -1);
      node.textContent = text.replace(/\s+$/, "") + "…";
    }
  }

  /* Rows: each fact goes to the first row where it overlaps nothing. */
  function placeInLanes(items, gap) {
    var ends = [];
    items
      .slice()
      .sort(function (p, q) { return p.lo - q.lo; })
      .forEach(function (item) {
        var lane = 0;
        while (lane < ends.length && ends[lane] + gap > item.lo) lane++;
        ends[lane] = item.hi;
        item.lane = lane;
      });
    return ends.length;
  }

  function drawLegend(chart, data, timeline) {
    var ds = timeline.section.dataset;
    var legend = html("ul", "timeline-legend", "", chart);
    legend.setAttribute("aria-label", ds.legendText);
    Object.keys(data.kinds).forEach(function (kind) {
      var item = html("li", "tl-kind-" + kind, "", legend);
      html("span", "tl-swatch tl-swatch-range", "", item).setAttribute("aria-hidden", "true");
      item.appendChild(document.createTextNode(data.kinds[kind][timeline.lang]));
    });
    var shapes = html("li", "tl-shapes", "", legend);
    html("span", "tl-swatch tl-swatch-range", "", shapes).setAttribute("aria-hidden", "true");
    shapes.appendChild(document.createTextNode(ds.rangeText + " "));
    html("span", "tl-swatch", "", shapes).setAttribute("aria-hidden", "true");
    shapes.appendChild(document.createTextNode(ds.pointText));
    html("li", "tl-scales", ds.scaleText, legend);
  }

  function draw(timeline, data) {
    var chart = timeline.chart;
    chart.textContent = "";
    chart.hidden = false;
    if (!data.facts.length) return;
    var width = Math.max(chart.clientWidth, 320);
    var s = scale(data.facts, width, timeline.rtl);
    timeline.compact = data.facts.length > COMPACT_ABOVE;
    var lane = timeline.compact ? THIN : LANE;
    var root = svg("svg", {
      "class": "tl-svg",
      width: width,
      role: "group",
      "aria-label": timeline.section.dataset.chartLabel,
      direction: timeline.rtl ? "rtl" : "ltr",
      "data-lo": s.lo,
      "data-hi": s.hi,
      "data-left": s.left,
      "data-right": s.right,
      "data-rtl": timeline.rtl ? "1" : "0"
    }, chart);
    var axes = svg("g", {}, root);
    var facts = svg("g", { "class": "tl-facts" }, root);
    var items = data.facts.map(function (fact) { return drawFact(facts, fact, s, timeline); });
    var lanes = placeInLanes(items, timeline.compact ? 2 : GAP);
    if (timeline.compact && lanes > MAX_THIN_ROWS) {
      items.forEach(function (item) { item.lane = item.lane % MAX_THIN_ROWS; });
      lanes = MAX_THIN_ROWS;
    }
    // Keyboard order follows time, whatever the row.
    items.forEach(function (item) {
      item.node.setAttribute("transform", "translate(0," + (AXIS + item.lane * lane) + ")");
    });
    var height = AXIS + lanes * lane + 4;
    root.setAttribute("height", height);
    root.setAttribute("viewBox", "0 0 " + width + " " + height);
    drawAxes(axes, s, data, timeline, height);
    drawLegend(chart, data, timeline);
  }

  function showList(timeline, data) {
    var shown = {};
    data.facts.forEach(function (f) { shown[f.iri] = true; });
    timeline.section.querySelectorAll(".timeline-row").forEach(function (row) {
      row.hidden = !shown[row.dataset.iri];
    });
    var ds = timeline.section.dataset;
    var text = ds.shownText
      .replace("{n}", digits(data.total, timeline.lang))
      .replace("{total}", digits(ds.total, timeline.lang));
    if (data.truncated) text += " " + ds.drawnText.replace("{n}", digits(data.facts.length, timeline.lang));
    timeline.status.textContent = text;
  }

  function jsonUrl(timeline) {
    var url = new URL(timeline.section.dataset.json, window.location.href);
    timeline.selects.forEach(function (select) {
      if (select.value) url.searchParams.set(select.dataset.jsonName, select.value);
    });
    return url.toString();
  }

  function load(timeline) {
    var asked = ++timeline.asked;
    fetch(jsonUrl(timeline), { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (data) {
        if (asked !== timeline.asked) return; // a later choice is on its way
        timeline.data = data;
        draw(timeline, data);
        showList(timeline, data);
      })
      .catch(function () {
        timeline.chart.hidden = true;
        timeline.status.textContent = timeline.section.dataset.failedText;
      });
  }

  function start(section) {
    var timeline = {
      section: section,
      lang: section.dataset.lang,
      rtl: (section.closest("[dir]") || document.documentElement).getAttribute("dir") === "rtl",
      chart: section.querySelector(".timeline-chart"),
      status: section.querySelector(".timeline-status"),
      selects: Array.prototype.slice.call(section.querySelectorAll("select[data-json-name]")),
      asked: 0,
      data: null,
      compact: false
    };
    if (!timeline.chart) return;
    var apply = section.querySelector(".timeline-apply");
    if (apply) apply.hidden = true; // choices apply at once
    var form = section.querySelector(".timeline-filters");
    if (form) form.addEventListener("submit", function (event) { event.preventDefault(); load(timeline); });
    timeline.selects.forEach(function (select) {
      select.addEventListener("change", function () { load(timeline); });
    });
    var pending = null;
    window.addEventListener("resize", function () {
      if (pending) window.clearTimeout(pending);
      pending = window.setTimeout(function () {
        if (timeline.data) draw(timeline, timeline.data);
      }, 150);
    });
    load(timeline);
  }

  document.querySelectorAll("section.timeline[data-json]").forEach(start);
})();
