// document.title follows the page shown (Dash clientside callback; the CSP forbids inline scripts).
// Its own namespace: upload_check.js replaces the "jizhong" one.
window.dash_clientside = Object.assign({}, window.dash_clientside, {
    jizhong_page: {
        setTitle: function (title) {
            if (title) { document.title = title; }
            return window.dash_clientside.no_update;
        }
    }
});
