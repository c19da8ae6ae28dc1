// Client-side checks of uploads, run before a file is sent (Dash clientside callbacks; the CSP forbids
// inline scripts, so they live here). A file past the limit would be refused by the server unread (413),
// which dash-renderer does not show; this says why instead.
window.dash_clientside = Object.assign({}, window.dash_clientside, {
    jizhong: {
        uploadTooLarge: function (contents, filename, limit) {
            var noUpdate = window.dash_clientside.no_update;
            if (!contents || !limit) { return noUpdate; }
            var bytes = Math.floor((contents.length - contents.indexOf(",") - 1) * 3 / 4);
            if (bytes <= limit) { return noUpdate; }
            var mb = function (n) { return (n / 1048576).toFixed(1) + " MB"; };
            return {
                namespace: "dash_html_components", type: "Div",
                props: {
                    className: "result error", role: "alert",
                    children: "文件“" + (filename || "（未命名）") + "”大小 " + mb(bytes) + "，超过上限 " + mb(limit) +
                        "，未上传；请只保留统计表后再上传"
                }
            };
        }
    }
});
