/* The maps (templates/_map.html): the twinning network, or one city and its partners, drawn
   with Leaflet from /map.geojson over Natural Earth country outlines (world-atlas, read with
   topojson-client), or over the operator's tile server when MAP_TILES is set. Everything is
   requested from this site unless the operator set tiles.

   Cities are circle markers on one canvas (thousands stay fast); each links to its page
   (click, or the list beside the map, which keyboards and screen readers use: focusing a
   city there shows it on the map). The map container is left-to-right (Leaflet misplaces
   its controls otherwise); labels keep their own direction.

   When drawn, the container says what it drew: data-state="ready", data-points and
   data-lines (the browser tests count them); window.citydipMaps holds each map and its
   markers by city IRI. */
(function () {
  "use strict";

  var COLOURS = {
    city: "#0b5cad",
    focus: "#b3261e",
    line: "#0b5cad",
    faintLine: "#7f9cc4",
    stroke: "#ffffff",
    land: "#f3f1ea",
    border: "#8c8c8c"
  };

  function element(tag, text, attributes) {
    var node = document.createElement(tag);
    if (text) node.textContent = text;
    Object.keys(attributes || {}).forEach(function (name) {
      node.setAttribute(name, attributes[name]);
    });
    return node;
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) throw new Error(url + ": " + response.status);
      return response.json();
    });
  }

  function label(labels, lang) {
    labels = labels || {};
    var chosen = labels[lang] !== undefined ? lang : labels.en !== undefined ? "en" : "fa";
    return { text: labels[chosen] || "", lang: chosen };
  }

  function tooltip(properties, box) {
    var lang = box.dataset.lang;
    var name = label(properties.labels, lang);
    var content = element("span", "", { class: "map-tooltip" });
    content.appendChild(element("bdi", name.text, { lang: name.lang, dir: "auto", class: "map-name" }));
    if (properties.country) {
      var country = label(properties.country.labels, lang);
      content.appendChild(element("bdi", country.text, { lang: country.lang, dir: "auto", class: "map-country" }));
    }
    var count = new Intl.NumberFormat(lang === "fa" ? "fa-IR" : "en").format(properties.partners);
    var words = properties.partners === 1 ? box.dataset.partnerLabel : box.dataset.partnersLabel;
    content.appendChild(element("span", count + " " + words, {
      dir: lang === "fa" ? "rtl" : "ltr", lang: lang, class: "map-count"
    }));
    return content;
  }

  function radius(properties, focus, crowded) {
    if (properties.iri === focus) return 9;
    var partners = Math.sqrt(properties.partners || 0);
    return crowded ? Math.min(1.5 + partners * 0.5, 4) : Math.min(3 + partners * 1.5, 9);
  }

  // A ring that crosses the antimeridian (Russia's Chukotka, Fiji) jumps from 180° to -180°:
  // drawn as is, it is a band across the whole map. Its longitudes made continuous, it ends
  // a little beyond 180° instead. A ring around a pole (Antarctica) crosses once: kept.
  function unwrapRing(ring) {
    var offset = 0;
    var out = [ring[0]];
    for (var i = 1; i < ring.length; i += 1) {
      var step = ring[i][0] - ring[i - 1][0];
      if (step > 180) offset -= 360;
      else if (step < -180) offset += 360;
      out.push([ring[i][0] + offset, ring[i][1]]);
    }
    return offset === 0 ? out : ring;
  }

  function unwrapFeature(feature) {
    var geometry = feature.geometry;
    if (!geometry) return;
    if (geometry.type === "Polygon") geometry.coordinates = geometry.coordinates.map(unwrapRing);
    if (geometry.type === "MultiPolygon") {
      geometry.coordinates = geometry.coordinates.map(function (polygon) {
        return polygon.map(unwrapRing);
      });
    }
  }

  function baseLayer(map, box, renderer) {
    if (box.dataset.tiles) {
      L.tileLayer(box.dataset.tiles, {
        attribution: box.dataset.tilesAttribution || "",
        maxZoom: 18
      }).addTo(map);
      return Promise.resolve();
    }
    var lang = box.dataset.lang;
    map.attributionControl.addAttribution(
      element("span", box.dataset.outlinesAttribution, { lang: lang, dir: lang === "fa" ? "rtl" : "ltr" }).outerHTML
    );
    return getJSON(box.dataset.outlines).then(function (topology) {
      var countries = topojson.feature(topology, topology.objects.countries);
      countries.features.forEach(unwrapFeature);
      L.geoJSON(countries, {
        renderer: renderer,
        interactive: false,
        style: { color: COLOURS.border, weight: 0.6, fillColor: COLOURS.land, fillOpacity: 1 }
      }).addTo(map);
    });
  }

  function draw(map, box, collection, renderer) {
    var focus = box.dataset.focus || null;
    var suffix = box.dataset.linkSuffix || "";
    var detailed = Boolean(focus);
    var markers = {};
    var points = [];
    var segments = [];
    collection.features.forEach(function (feature) {
      var type = feature.geometry.type;
      var c = feature.geometry.coordinates;
      if (type === "Point") points.push({ at: [c[1], c[0]], properties: feature.properties });
      else if (type === "LineString") segments.push(c.map(function (d) { return [d[1], d[0]]; }));
    });
    // Fitted first, so the layers are placed once, at the zoom they are seen at.
    if (points.length) {
      map.fitBounds(points.map(function (p) { return p.at; }), {
        padding: [30, 30], maxZoom: detailed ? 6 : 4, animate: false
      });
    }
    // Thousands of cities (a world-scale network): small points without outlines, faint lines.
    var crowded = points.length > 1000;
    // Every twinning's line in one layer: one path on the canvas, however many lines.
    if (segments.length) {
      L.polyline(segments, {
        renderer: renderer,
        color: crowded ? COLOURS.faintLine : COLOURS.line,
        weight: detailed ? 2 : crowded ? 0.3 : 1,
        opacity: detailed ? 0.7 : crowded ? 0.3 : 0.35,
        interactive: false
      }).addTo(map);
    }
    // The city the map is about last, so it is drawn over its partners.
    points.sort(function (a, b) { return (a.properties.iri === focus) - (b.properties.iri === focus); });
    points.forEach(function (point) {
      var p = point.properties;
      var marker = L.circleMarker(point.at, {
        renderer: renderer,
        radius: radius(p, focus, crowded),
        color: COLOURS.stroke,
        weight: crowded ? 0 : 1.5,
        stroke: !crowded,
        fillColor: p.iri === focus ? COLOURS.focus : COLOURS.city,
        fillOpacity: 0.95
      });
      // Made when first shown: thousands of markers, few tooltips.
      marker.bindTooltip(function () { return tooltip(p, box); }, { direction: "top", offset: [0, -6] });
      marker.on("click", function () { window.location.assign(p.href + suffix); });
      marker.addTo(map);
      markers[p.iri] = marker;
    });
    box.dataset.points = String(points.length);
    box.dataset.lines = String(segments.length);
    return markers;
  }

  function linkList(box, markers) {
    var list = box.parentNode.querySelector(".map-list");
    if (!list) return;
    list.querySelectorAll("a[data-iri]").forEach(function (link) {
      var marker = markers[link.dataset.iri];
      if (!marker) return;
      var show = function () { marker.openTooltip(); };
      var hide = function () { marker.closeTooltip(); };
      link.addEventListener("focus", show);
      link.addEventListener("mouseenter", show);
      link.addEventListener("blur", hide);
      link.addEventListener("mouseleave", hide);
    });
  }

  function start(box) {
    var status = box.querySelector(".map-status");
    box.hidden = false;  // hidden in the page, so that without scripts there is no empty box
    if (!window.L || !window.topojson) {
      if (status) status.textContent = box.dataset.failedLabel;
      box.dataset.state = "failed";
      return;
    }
    var renderer = L.canvas({ padding: 0.5, tolerance: 3 });
    var map = L.map(box, {
      renderer: renderer,
      preferCanvas: true,
      zoomControl: false,
      minZoom: 1,
      maxZoom: box.dataset.tiles ? 18 : 9,
      zoomSnap: 0.25,
      worldCopyJump: false
    });
    L.control.zoom({ zoomInTitle: box.dataset.zoomIn, zoomOutTitle: box.dataset.zoomOut }).addTo(map);
    map.attributionControl.setPrefix(
      element("a", "Leaflet", { href: "https://leafletjs.com/" }).outerHTML
    );
    map.setView([25, 45], 2);
    var entry = { map: map, markers: {} };
    (window.citydipMaps = window.citydipMaps || []).push(entry);
    Promise.all([baseLayer(map, box, renderer), getJSON(box.dataset.geojson)])
      .then(function (results) {
        performance.mark("citydip-map-data");  // read by benchmarks/maps.py
        entry.markers = draw(map, box, results[1], renderer);
        performance.mark("citydip-map-drawn");
        linkList(box, entry.markers);
        if (status) status.remove();
        box.dataset.state = "ready";
      })
      .catch(function (error) {
        if (status) {
          status.textContent = box.dataset.failedLabel;
          box.appendChild(status);
        }
        box.dataset.state = "failed";
        console.warn("map: " + error.message);
      });
  }

  function ready() {
    document.querySelectorAll(".map-canvas[data-geojson]").forEach(start);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();
})();
