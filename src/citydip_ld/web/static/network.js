// The twinning network drawn with Cytoscape (served from /vendor/, same origin) from
// /network.json: cities sized by their number of partners and coloured by country, twinnings
// as lines. Clicking a city, or choosing it with the arrow keys and pressing Enter, opens its
// page. The drawing is always left-to-right (the container has dir="ltr"); labels are in the
// page's language. Without this script (or Cytoscape) the page's table lists the cities.
//
// Layout: up to SMALL cities, a force-directed layout (cose; an ego network: concentric around
// its city); beyond, cities at their coordinates (preset positions from lat/long, an
// equirectangular projection), which costs nothing to compute at world scale (12k cities).
// For tests the container gets data-nodes, data-edges and data-layout once drawn, and the
// Cytoscape instance is window.citydipNetwork.
(function () {
  "use strict";
  var SMALL = 300;
  var container = document.getElementById("network-view");
  if (!container || !window.fetch || typeof window.cytoscape !== "function") {
    return;
  }
  var status = document.getElementById("network-status");
  var legend = document.getElementById("network-legend");
  var lang = container.getAttribute("data-lang") || "en";
  var root = container.getAttribute("data-root") || "";
  var langQuery = container.getAttribute("data-lang-query") || "";
  var rtl = document.documentElement.dir === "rtl";

  function say(text) {
    if (status) {
      status.textContent = text;
    }
  }

  function number(n) {
    return n.toLocaleString(lang === "fa" ? "fa-IR" : "en");
  }

  function label(labels) {
    return (labels && (labels[lang] || labels.en)) || "";
  }

  function href(iri, base) {
    var path = iri.indexOf(base) === 0 ? root + "/" + iri.slice(base.length) : iri;
    return langQuery ? path + "?" + langQuery : path;
  }

  function endpoint() {
    var params = new URLSearchParams();
    ["city", "country"].forEach(function (name) {
      var value = container.getAttribute("data-" + name);
      if (value) {
        params.set(name, value);
      }
    });
    var query = params.toString();
    return container.getAttribute("data-endpoint") + (query ? "?" + query : "");
  }

  function elements(data, countries) {
    var big = data.nodes.length > SMALL;
    var most = 1;
    data.nodes.forEach(function (node) {
      most = Math.max(most, node.partners);
    });
    var nodes = data.nodes.map(function (node) {
      var country = countries[node.country] || null;
      return {
        group: "nodes",
        data: {
          id: node.id,
          label: label(node.label),
          colour: country ? country.colour : data.other,
          size: (big ? 5 : 14) + (big ? 20 : 34) * Math.sqrt(node.partners / most),
          href: href(node.id, data.base),
          partners: node.partners,
          countryLabel: country ? label(country.label) : "",
          focus: node.id === data.focus ? 1 : 0,
          lat: node.lat,
          long: node.long,
        },
      };
    });
    var edges = data.edges.map(function (edge) {
      return {
        group: "edges",
        data: { id: edge.id, source: edge.source, target: edge.target, label: label(edge.label) },
      };
    });
    return nodes.concat(edges);
  }

  function geographic(nodes) {
    // Cities at their coordinates; those without any in rows under the map.
    var missing = 0;
    var columns = Math.max(1, Math.ceil(Math.sqrt(nodes.length)));
    var positions = {};
    nodes.forEach(function (node) {
      var lat = node.data.lat;
      var lon = node.data.long;
      if (typeof lat === "number" && typeof lon === "number") {
        positions[node.data.id] = { x: (lon + 180) * 8, y: (90 - lat) * 8 };
      } else {
        positions[node.data.id] = {
          x: (missing % columns) * 30,
          y: 180 * 8 + 60 + Math.floor(missing / columns) * 30,
        };
        missing += 1;
      }
    });
    return { name: "preset", positions: positions, fit: true, padding: 20 };
  }

  function layout(data, items) {
    var nodes = items.filter(function (item) {
      return item.group === "nodes";
    });
    if (nodes.length > SMALL) {
      return geographic(nodes);
    }
    if (data.focus) {
      return {
        name: "concentric",
        concentric: function (node) {
          return node.data("focus") ? 2 : 1;
        },
        levelWidth: function () {
          return 1;
        },
        minNodeSpacing: 30,
        animate: false,
        fit: true,
        padding: 30,
      };
    }
    return {
      name: "cose",
      animate: false,
      randomize: false,
      nodeRepulsion: function () {
        return 12000;
      },
      idealEdgeLength: function () {
        return 90;
      },
      fit: true,
      padding: 30,
    };
  }

  function style(big) {
    var font = window.getComputedStyle(container).fontFamily;
    return [
      {
        selector: "node",
        style: {
          "background-color": "data(colour)",
          width: "data(size)",
          height: "data(size)",
          "border-width": big ? 0.5 : 1,
          "border-color": "#1d2330",
          label: "data(label)",
          "font-family": font,
          "font-size": 12,
          color: "#1d2330",
          "text-valign": "bottom",
          "text-margin-y": 3,
          "text-outline-color": "#ffffff",
          "text-outline-width": 2,
          "min-zoomed-font-size": big ? 9 : 0,
        },
      },
      {
        selector: "node:selected",
        style: { "border-width": 4, "border-color": "#0b5cad", "font-weight": "bold" },
      },
      {
        selector: "edge",
        style: {
          width: big ? 0.5 : 1.5,
          "line-color": "#6b7385",
          "curve-style": big ? "haystack" : "bezier",
          opacity: big ? 0.25 : 0.8,
        },
      },
    ];
  }

  function drawLegend(data, countries, cy) {
    if (!legend) {
      return;
    }
    legend.textContent = "";
    var shown = {};
    var other = 0;
    cy.nodes().forEach(function (node) {
      var country = countries[node.data("countryId")];
      if (country && country.colour !== data.other) {
        shown[country.id] = (shown[country.id] || 0) + 1;
      } else {
        other += 1;
      }
    });
    var items = data.countries.filter(function (c) {
      return shown[c.id];
    });
    items.sort(function (a, b) {
      return label(a.label).localeCompare(label(b.label), lang);
    });
    items.forEach(function (c) {
      legend.appendChild(legendItem(c.colour, label(c.label), shown[c.id]));
    });
    if (other) {
      legend.appendChild(legendItem(data.other, container.getAttribute("data-other"), other));
    }
  }

  function legendItem(colour, text, count) {
    var li = document.createElement("li");
    var swatch = document.createElement("span");
    swatch.className = "network-swatch";
    swatch.setAttribute("aria-hidden", "true");
    swatch.style.backgroundColor = colour;
    var name = document.createElement("bdi");
    name.textContent = text;
    var n = document.createElement("span");
    n.className = "count";
    n.textContent = " (" + number(count) + ")";
    li.appendChild(swatch);
    li.appendChild(name);
    li.appendChild(n);
    return li;
  }

  function keyboard(cy, summary) {
    // Cities in order of partners (most first), then label: arrows move, Enter opens.
    var order = cy.nodes().sort(function (a, b) {
      return (
        b.data("partners") - a.data("partners") || a.data("label").localeCompare(b.data("label"))
      );
    });
    var index = -1;

    function choose(next) {
      if (!order.length) {
        return;
      }
      index = (next + order.length) % order.length;
      var node = order[index];
      cy.nodes().unselect();
      node.select();
      var where = node.data("countryLabel") ? " (" + node.data("countryLabel") + ")" : "";
      say(
        container.getAttribute("data-selected") + ": " + node.data("label") + where + ", " +
          container.getAttribute("data-partners") + ": " + number(node.data("partners"))
      );
    }

    container.addEventListener("keydown", function (event) {
      var forward = rtl ? "ArrowLeft" : "ArrowRight";
      var back = rtl ? "ArrowRight" : "ArrowLeft";
      if (event.key === forward || event.key === "ArrowDown") {
        choose(index + 1);
      } else if (event.key === back || event.key === "ArrowUp") {
        choose(index < 0 ? order.length - 1 : index - 1);
      } else if (event.key === "Home") {
        choose(0);
      } else if (event.key === "End") {
        choose(order.length - 1);
      } else if (event.key === "Enter" && index >= 0) {
        window.location.href = order[index].data("href");
      } else if (event.key === "Escape") {
        cy.nodes().unselect();
        index = -1;
        say(summary);
      } else {
        return;
      }
      event.preventDefault();
    });
  }

  function draw(data) {
    var countries = {};
    data.countries.forEach(function (c) {
      countries[c.id] = c;
    });
    var items = elements(data, countries);
    data.nodes.forEach(function (node, i) {
      items[i].data.countryId = node.country;
    });
    var big = data.nodes.length > SMALL;
    var chosen = layout(data, items);
    var cy = window.cytoscape({
      container: container,
      elements: items,
      style: style(big),
      layout: chosen,
      minZoom: 0.05,
      maxZoom: 4,
      textureOnViewport: big,
      hideEdgesOnViewport: big,
      boxSelectionEnabled: false,
      autoungrabify: big,
    });
    window.citydipNetwork = cy;
    cy.on("tap", "node", function (event) {
      window.location.href = event.target.data("href");
    });
    var summary = container
      .getAttribute("data-summary")
      .replace("{nodes}", number(data.nodes.length))
      .replace("{edges}", number(data.edges.length));
    drawLegend(data, countries, cy);
    keyboard(cy, summary);
    say(summary);
    container.setAttribute("data-nodes", String(cy.nodes().length));
    container.setAttribute("data-edges", String(cy.edges().length));
    container.setAttribute("data-layout", chosen.name);
  }

  say(container.getAttribute("data-loading"));
  fetch(endpoint(), { headers: { Accept: "application/json" } })
    .then(function (response) {
      if (!response.ok) {
        throw new Error("HTTP " + response.status);
      }
      return response.json();
    })
    .then(draw)
    .catch(function () {
      say(container.getAttribute("data-failed"));
      container.hidden = true;
    });
})();
