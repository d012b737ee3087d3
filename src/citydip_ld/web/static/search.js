// The search box on every page: suggestions as you type, from /search (JSON, same origin).
// Without this script the box is a plain form that opens the results page. Keyboard: arrows
// move through the suggestions, Enter opens the chosen one (or searches), Escape closes them.
// ARIA 1.2 combobox: the input owns a listbox and names the active option.
(function () {
  "use strict";
  var input = document.getElementById("site-search");
  var list = document.getElementById("site-search-suggestions");
  if (!input || !list || !window.fetch) {
    return;
  }
  var endpoint = input.getAttribute("data-endpoint");
  var lang = input.getAttribute("data-lang") || "en";
  var other = lang === "fa" ? "en" : "fa";
  var timer = null;
  var asked = 0;
  var active = -1;

  function options() {
    return list.querySelectorAll("li[role=option]");
  }

  function close() {
    list.hidden = true;
    list.textContent = "";
    active = -1;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function highlight(index) {
    var items = options();
    if (!items.length) {
      return;
    }
    active = (index + items.length) % items.length;
    for (var i = 0; i < items.length; i += 1) {
      items[i].setAttribute("aria-selected", i === active ? "true" : "false");
    }
    input.setAttribute("aria-activedescendant", items[active].id);
  }

  function text(value, language) {
    var bdi = document.createElement("bdi");
    bdi.textContent = value;
    if (language) {
      bdi.lang = language;
      bdi.dir = language === "fa" ? "rtl" : "ltr";
    }
    return bdi;
  }

  function show(data) {
    list.textContent = "";
    active = -1;
    input.removeAttribute("aria-activedescendant");
    data.results.forEach(function (hit, index) {
      var li = document.createElement("li");
      li.id = "site-search-option-" + index;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.setAttribute("data-href", hit.href);
      var labels = hit.labels || {};
      var shown = labels[lang] ? lang : (labels[other] ? other : null);
      var name = shown ? text(labels[shown], shown) : text(hit.matched.value, hit.matched.lang);
      var kind = document.createElement("span");
      kind.className = "kind";
      kind.textContent = (hit.kindLabels && hit.kindLabels[lang]) || hit.kind;
      li.appendChild(name);
      li.appendChild(kind);
      li.addEventListener("mousedown", function (event) {
        event.preventDefault(); // keep the focus in the box until the page changes
        window.location.assign(hit.href);
      });
      list.appendChild(li);
    });
    var open = data.results.length > 0;
    list.hidden = !open;
    input.setAttribute("aria-expanded", open ? "true" : "false");
  }

  function suggest() {
    var query = input.value.trim();
    if (!query) {
      close();
      return;
    }
    asked += 1;
    var mine = asked;
    var url = endpoint + "?" + new URLSearchParams({ q: query, limit: "8", lang: lang });
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (data) {
        if (data && mine === asked) { // an older answer arriving late is dropped
          show(data);
        }
      })
      .catch(function () {
        close(); // no suggestions; the form still works
      });
  }

  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(suggest, 120);
  });

  input.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (list.hidden) {
        suggest();
        return;
      }
      event.preventDefault();
      highlight(active + (event.key === "ArrowDown" ? 1 : -1));
    } else if (event.key === "Enter" && active >= 0) {
      event.preventDefault();
      window.location.assign(options()[active].getAttribute("data-href"));
    } else if (event.key === "Escape") {
      close();
    }
  });

  input.addEventListener("blur", function () {
    window.setTimeout(close, 150);
  });
}());
