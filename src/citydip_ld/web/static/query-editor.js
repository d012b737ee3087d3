// The SPARQL editor on /query: YASGUI (served from /vendor/, web/query_editor.py) mounted over
// the plain form, which stays for browsers without JavaScript or without the library.
// It talks to our /sparql only (queries, and the terms it completes): no prefix.cc, no LOV,
// unless the operator turned remote lookups on (data-prefix-api, data-remote-lookups).
(function () {
  "use strict";
  var mount = document.getElementById("query-editor");
  var Yasgui = window.Yasgui;
  if (!mount || !Yasgui) {
    return; // the form works alone
  }
  var form = document.getElementById("query-form");
  var select = document.getElementById("example");
  var textarea = document.getElementById("query");
  var endpoint = new URL(mount.getAttribute("data-endpoint"), document.baseURI).href;
  var prefixes = JSON.parse(mount.getAttribute("data-prefixes"));
  var prefixApi = mount.getAttribute("data-prefix-api") || null;
  var remote = mount.getAttribute("data-remote-lookups") === "on";

  // Our prefixes first in the prefix autocompleter (and in the PREFIX line it adds when a
  // query uses an undeclared one), then YASQE's bundled list; prefix.cc only if allowed.
  function ourPrefixes() {
    return Object.keys(prefixes).sort().map(function (name) {
      return name + ": <" + prefixes[name] + ">";
    });
  }
  var bundled = Yasgui.Yasqe.Autocompleters.prefixes.get;
  Yasgui.Yasqe.forkAutocompleter("prefixes", {
    name: "citydipPrefixes",
    persistenceId: null,
    get: function (yasqe) {
      var ours = ourPrefixes();
      var taken = {};
      ours.forEach(function (line) { taken[line.split(":")[0]] = true; });
      return Promise.resolve(bundled.call(this, yasqe)).then(function (others) {
        return ours.concat(others.filter(function (line) {
          return !taken[line.split(":")[0]];
        }));
      });
    }
  }, false);

  // Classes and properties: those of our ontology and shapes, asked of our /sparql once (on
  // first use); with remote lookups on, Linked Open Vocabularies' suggestions follow ours.
  var vocabularyQuery = mount.getAttribute("data-vocabulary-query");
  var vocabulary = null;
  function loadVocabulary() {
    if (!vocabulary) {
      vocabulary = fetch(endpoint, {
        method: "POST",
        headers: {
          "Accept": "application/sparql-results+json",
          "Content-Type": "application/x-www-form-urlencoded;charset=UTF-8"
        },
        body: new URLSearchParams({ query: vocabularyQuery }).toString()
      }).then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      }).then(function (data) {
        var terms = { "class": [], "property": [] };
        data.results.bindings.forEach(function (row) {
          (terms[row.kind.value] || []).push(row.term.value);
        });
        return terms;
      }).catch(function () {
        vocabulary = null; // try again next time
        return { "class": [], "property": [] };
      });
    }
    return vocabulary;
  }

  // A suggested IRI as the query would write it: with the prefix typed, or one the query
  // declares, else in <...>.
  function writeTerm(yasqe, token, iri) {
    if (token.tokenPrefix && token.tokenPrefixUri && iri.indexOf(token.tokenPrefixUri) === 0) {
      return token.tokenPrefix + iri.substring(token.tokenPrefixUri.length);
    }
    var declared = yasqe.getPrefixesFromQuery();
    for (var name in declared) {
      var local = iri.substring(declared[name].length);
      if (iri.indexOf(declared[name]) === 0 && /^[A-Za-z_][\w-]*$/.test(local)) {
        return name + ":" + local;
      }
    }
    return "<" + iri + ">";
  }

  function termCompleter(kind, name) {
    var lov = Yasgui.Yasqe.Autocompleters[kind].get;
    Yasgui.Yasqe.forkAutocompleter(kind, {
      name: name,
      bulk: false,
      persistenceId: null,
      get: function (yasqe, token) {
        var typed = ((token && token.autocompletionString) || "").toLowerCase();
        var ours = loadVocabulary().then(function (terms) {
          return terms[kind].filter(function (iri) {
            return iri.toLowerCase().indexOf(typed) === 0;
          });
        });
        if (!remote) {
          return ours;
        }
        return Promise.all([ours, Promise.resolve(lov(yasqe, token))]).then(function (both) {
          return both[0].concat((both[1] || []).filter(function (iri) {
            return both[0].indexOf(iri) < 0;
          }));
        });
      },
      postProcessSuggestion: writeTerm
    }, false);
  }
  termCompleter("class", "citydipClasses");
  termCompleter("property", "citydipProperties");
  var completers = ["citydipPrefixes", "variables", "citydipClasses", "citydipProperties"];

  // Our endpoint's errors have one shape ({"error": {"status", "title", "detail"}}): shown
  // as their title and detail rather than as raw JSON.
  function renderError(error) {
    var body;
    try {
      body = JSON.parse(error.text).error;
    } catch (e) {
      return Promise.resolve(undefined); // not ours: YASR's own message
    }
    if (!body || !body.title) {
      return Promise.resolve(undefined);
    }
    var box = document.createElement("div");
    box.className = "query-error";
    var title = document.createElement("p");
    title.className = "query-error-title";
    title.textContent = (body.status || error.status || "") + " " + body.title;
    box.appendChild(title);
    if (body.detail) {
      var detail = document.createElement("pre");
      detail.className = "query-error-detail";
      detail.textContent = body.detail;
      box.appendChild(detail);
    }
    return Promise.resolve(box);
  }
  Yasgui.Yasr.defaults.errorRenderers = [renderError];

  // A query in the address (`/query?query=...` from resource pages, or YASGUI's share link,
  // `/query#query=...&...`) opens in a tab of its own: its query, name, method, accept
  // headers, graphs and result view; never another endpoint, extra arguments or headers.
  function fromAddress(tab) {
    var asked = tab.requestConfig || {};
    tab.requestConfig = {
      endpoint: endpoint,
      method: asked.method === "GET" ? "GET" : "POST",
      acceptHeaderSelect: asked.acceptHeaderSelect,
      acceptHeaderGraph: asked.acceptHeaderGraph,
      namedGraphs: asked.namedGraphs || [],
      defaultGraphs: asked.defaultGraphs || [],
      args: [],
      headers: {}
    };
    return tab;
  }

  // Shown before YASGUI mounts: CodeMirror draws nothing in a hidden container.
  mount.hidden = false;
  var yasgui;
  try {
    yasgui = new Yasgui(mount, editorConfig());
  } catch (error) {
    mount.hidden = true; // the form stays
    mount.textContent = "";
    throw error;
  }

  function editorConfig() {
    return {
      requestConfig: {
        endpoint: endpoint,
        method: "POST",
        acceptHeaderSelect: "application/sparql-results+json",
        acceptHeaderGraph: "text/turtle"
      },
      endpointCatalogueOptions: {
        getData: function () { return [{ endpoint: endpoint }]; }
      },
      copyEndpointOnNewTab: true,
      populateFromUrl: fromAddress,
      autofocus: false,
      tabName: mount.getAttribute("data-tab-name") || "Query",
      yasqe: {
        value: textarea.value,
        autocompleters: completers,
        prefixCcApi: prefixApi,
        consumeShareLink: null,
        resizeable: true,
        editorHeight: "22rem"
      },
      yasr: {
        prefixes: prefixes,
        defaultPlugin: "table",
        pluginOrder: ["table", "response"]
      }
    };
  }

  // Every tab asks our endpoint, whatever an earlier visit stored; the page may connect to
  // no other (its policy), so the endpoint field only shows where queries go.
  function lockEndpoints() {
    Object.keys(yasgui._tabs).forEach(function (id) {
      if (yasgui._tabs[id].getEndpoint() !== endpoint) {
        yasgui._tabs[id].setEndpoint(endpoint);
      }
    });
    Array.prototype.forEach.call(mount.querySelectorAll(".controlbar input.autocomplete"),
      function (input) { input.readOnly = true; });
  }
  lockEndpoints();
  yasgui.on("tabChange", function () { window.setTimeout(lockEndpoints, 0); });
  yasgui.on("tabSelect", function () { window.setTimeout(lockEndpoints, 0); });

  // The list names the question in the current tab, if it is one.
  function showQuestion() {
    var tab = yasgui.getTab();
    var query = tab ? tab.getQuery() : "";
    var shown = "";
    Array.prototype.forEach.call(document.querySelectorAll("pre.example-query"), function (pre) {
      if (pre.textContent === query) {
        shown = pre.id.replace(/^example-/, "");
      }
    });
    select.value = shown;
  }
  showQuestion();
  yasgui.on("tabSelect", function () { window.setTimeout(showQuestion, 0); });

  // A question from the list goes into the current tab's editor.
  select.addEventListener("change", function () {
    var source = document.getElementById("example-" + select.value);
    var tab = yasgui.getTab();
    if (source && tab) {
      tab.setQuery(source.textContent);
    }
  });

  // The editor replaces the textarea, the button and the form's own results.
  textarea.hidden = true;
  document.getElementById("run").hidden = true;
  document.getElementById("form-results").hidden = true;
  form.classList.add("with-editor");
  var hint = document.getElementById("query-editor-hint");
  if (hint) {
    hint.hidden = false;
  }
  window.citydipYasgui = yasgui; // for the browser tests and the curious
}());
