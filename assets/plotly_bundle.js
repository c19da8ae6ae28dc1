/* plotly.js for dcc.Graph: this app's partial bundle (assets/vendor/plotly-app.min.js, built by
 * scripts/build-plotly-bundle.sh), never the full plotly.min.js (4.8 MB) that dash-renderer names.
 *
 * dcc.Graph uses window.Plotly when it is there, and otherwise loads window._dashPlotlyJSURL, which
 * dash-renderer sets to the full bundle: here that name always answers the partial bundle's
 * versioned URL (the page's <link rel="preload" data-plotly-bundle>, dashboard/http/static.py).
 *
 * start() (called by the renderer's request_pre hook, so when the first callbacks go to the server)
 * runs the bundle while the browser waits for their answers, instead of after them, on the pages that
 * draw charts (data-plotly-early: a pattern of their paths); elsewhere nothing is run until a graph
 * mounts and dcc loads it. Until it has
 * run, window.Plotly is a promise-like object: dcc.Graph's Promise.resolve(window.Plotly) waits for
 * it, then draws with the real window.Plotly, which the bundle has put in its place. */
(function () {
  var link = document.querySelector("link[data-plotly-bundle]");
  if (!link || window.Plotly) return;
  var url = link.href, started = false;
  var chartPage = new RegExp(link.getAttribute("data-plotly-early") || "^$");

  Object.defineProperty(window, "_dashPlotlyJSURL", {
    configurable: true,
    get: function () { started = true; return url; },  // dcc.Graph loads it itself: do not load it twice
    set: function () {}
  });

  function start() {
    if (started || window.Plotly || !chartPage.test(window.location.pathname)) return;
    started = true;
    window.dashboardPlotly.early = true;
    var waiting = [], outcome = null;
    function settle(result) {
      outcome = result;
      waiting.splice(0).forEach(function (w) { result.ok ? w[0](result.value) : w[1](result.value); });
    }
    var pending = {
      then: function (ok, fail) {
        if (outcome) { outcome.ok ? ok(outcome.value) : fail(outcome.value); } else { waiting.push([ok, fail]); }
      }
    };
    window.Plotly = pending;
    var script = document.createElement("script");
    script.src = url;
    script.async = true;
    script.onload = function () {
      if (window.Plotly === pending) { settle({ok: false, value: new Error("plotly.js did not define Plotly")}); }
      else { settle({ok: true, value: window.Plotly}); }
    };
    script.onerror = function () {
      if (window.Plotly === pending) delete window.Plotly;
      settle({ok: false, value: new Error("plotly.js did not load")});
    };
    document.head.appendChild(script);
  }

  window.dashboardPlotly = {start: start, early: false};
})();
