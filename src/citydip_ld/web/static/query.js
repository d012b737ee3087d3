// The query page: pick an example, send it to /sparql, show the bindings as a table.
// Plain JS, no external library (the server runs on a closed network).
(function () {
  "use strict";
  var form = document.getElementById("query-form");
  var select = document.getElementById("example");
  var textarea = document.getElementById("query");
  var status = document.getElementById("status");
  var results = document.getElementById("results");
  var endpoint = form.getAttribute("data-endpoint");

  select.addEventListener("change", function () {
    var source = document.getElementById("example-" + select.value);
    if (source) {
      textarea.value = source.textContent;
    }
  });

  function cell(term) {
    var td = document.createElement("td");
    if (!term) {
      return td;
    }
    if (term.type === "uri" && /^https?:\/\//i.test(term.value)) {
      // Only web addresses become links: a query can return javascript: IRIs.
      var a = document.createElement("a");
      a.href = term.value;
      a.textContent = term.value;
      a.dir = "ltr";
      td.appendChild(a);
    } else {
      var bdi = document.createElement("bdi");
      bdi.textContent = term.value;
      if (term["xml:lang"]) {
        bdi.lang = term["xml:lang"];
        bdi.dir = term["xml:lang"] === "fa" ? "rtl" : "ltr";
      }
      td.appendChild(bdi);
    }
    return td;
  }

  function render(data) {
    results.textContent = "";
    if (typeof data.boolean === "boolean") {
      results.textContent = String(data.boolean);
      return;
    }
    var table = document.createElement("table");
    table.className = "results";
    var head = table.createTHead().insertRow();
    data.head.vars.forEach(function (name) {
      var th = document.createElement("th");
      th.textContent = name;
      head.appendChild(th);
    });
    var body = table.createTBody();
    data.results.bindings.forEach(function (binding) {
      var row = body.insertRow();
      data.head.vars.forEach(function (name) {
        row.appendChild(cell(binding[name]));
      });
    });
    results.appendChild(table);
    status.textContent = data.results.bindings.length + " ✓";
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    status.textContent = "…";
    results.textContent = "";
    fetch(endpoint, {
      method: "POST",
      headers: {
        "Accept": "application/sparql-results+json",
        "Content-Type": "application/x-www-form-urlencoded;charset=UTF-8"
      },
      body: new URLSearchParams({ query: textarea.value }).toString()
    }).then(function (response) {
      return response.text().then(function (text) {
        if (!response.ok) {
          var detail = text;
          try {
            var error = JSON.parse(text).error;
            detail = error.title + ": " + error.detail;
          } catch (e) { /* not the JSON error body */ }
          throw new Error(response.status + " " + detail);
        }
        return JSON.parse(text);
      });
    }).then(render).catch(function (error) {
      status.textContent = String(error.message || error);
      status.className = "error";
    });
  });
}());
