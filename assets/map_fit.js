/* Fit each district map to the city's bounds in the graph's real size, once per rendered map and on
 * window resize. The server can only fit to a nominal size; on a phone that cut counties off.
 * Bounds come from the figure (layout.meta.bounds); nothing is fetched. */
(function () {
  function fit(gd) {
    var full = gd._fullLayout, meta = gd.layout && gd.layout.meta;
    var sub = full && full.map && full.map._subplot;
    if (!sub || !sub.map || !meta || !meta.bounds) return;
    var b = meta.bounds, right = meta.right_px || 0;
    var width = gd.clientWidth;
    sub.map.fitBounds([[b[0], b[1]], [b[2], b[3]]], {
      padding: {top: 12, bottom: 12, left: 12, right: width > 2 * right ? right + 12 : 12},
      animate: false
    });
  }
  function hook(gd) {
    if (gd.__jzFitHooked || !gd.on) return;
    gd.__jzFitHooked = true;
    gd.on('plotly_afterplot', function () {
      if (!gd.__jzFitted) { gd.__jzFitted = true; fit(gd); }
    });
    window.addEventListener('resize', function () { if (document.body.contains(gd)) fit(gd); });
  }
  // Every district map (the overview's, a snapshot's, a unit page's): the figure says it is one by
  // carrying layout.meta.bounds; other graphs are hooked but never refitted.
  new MutationObserver(function () {
    document.querySelectorAll('.js-plotly-plot').forEach(hook);
  }).observe(document.documentElement, {childList: true, subtree: true});
})();
