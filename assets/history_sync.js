// Back/Forward on the overview: the browser changes the query string (?date=…&metric=…) but Dash's
// controls keep their values, so the screen and the URL would disagree. Set the controls from the URL;
// their own callbacks then redraw the figures (and find the URL already up to date).
// DEFAULT_METRIC must equal domain.metrics.DEFAULT_METRIC (tests/dashboard/test_history_sync.py).
(function () {
  var DEFAULT_METRIC = "ent_coverage";
  window.addEventListener("popstate", function () {
    var dc = window.dash_clientside;
    if (location.pathname !== "/" || !dc || !dc.set_props) { return; }
    if (!document.getElementById("ov-metric") || !document.getElementById("ov-as-of")) { return; }
    var q = new URLSearchParams(location.search);
    dc.set_props("ov-metric", {value: q.get("metric") || DEFAULT_METRIC});
    dc.set_props("ov-as-of", {date: q.get("date") || null});
  });
})();
