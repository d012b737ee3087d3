// The SPARQL editor on /query: YASGUI (served from /vendor/, web/query_editor.py) mounted over
// the plain form, which stays for browsers without JavaScript or without the library.
// It talks to our /sparql only: no prefix.cc, no LOV, unless the operator turned remote
// lookups on (the page's data-prefix-api and data-remote-lookups say so).
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
  var completers = ["citydipPrefixes", "variables"];
  if (remote) {
    completers.push("property", "class"); // Linked Open Vocabularies
  }

  var yasgui = new Yasgui(mount, {
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
    populateFromUrl: false,
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
  });

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

  // A query in the address (`/query?query=...`: links from resource pages, shared links)
  // opens in a tab of its own, over what an earlier visit left in the editor.
  var linked = new URLSearchParams(window.location.search).get("query");
  if (linked && yasgui.getTab() && yasgui.getTab().getQuery() !== linked) {
    yasgui.addTab(true, { yasqe: { value: linked }, requestConfig: { endpoint: endpoint } },
      { avoidDuplicateTabs: true });
    lockEndpoints();
  }

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
  mount.hidden = false;
  var hint = document.getElementById("query-editor-hint");
  if (hint) {
    hint.hidden = false;
  }
  window.citydipYasgui = yasgui; // for the browser tests and the curious
}());
