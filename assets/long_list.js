/* The overview's grid of every unit (dashboard/components/long_list.py, callbacks/long_lists.py):
 * search by name as one types (ag-grid's quick filter, no round trip), and bring the grid into view
 * when it opens (it may be opened from the lagging list at the top of the page). */
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  jizhong_long_list: {
    quickFilter: function (text, options) {
      return Object.assign({}, options || {}, {quickFilterText: text || ''});
    },
    scrollTo: function (hidden, panelId) {
      if (hidden === false) {
        var panel = document.getElementById(panelId);
        if (panel) { window.requestAnimationFrame(function () { panel.scrollIntoView({block: 'start'}); }); }
      }
      return Date.now();
    }
  }
});
