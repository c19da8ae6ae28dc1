"""Colours and fonts shared by every figure: legible on a projector, colour-blind safe.

Sequential: a light yellow-green-blue lightness ramp (ColorBrewer YlGnBu without its darkest steps),
readable with any colour vision and light enough for dark text on every step; the map and the bars
use it in classes (dashboard.figures.scale). Categorical: Okabe-Ito.
Fonts are the machine's own (no web fonts: the product runs offline).
"""

from __future__ import annotations

CLASS_PALETTE = ("#edf8b1", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0")
COLORSCALE = [[i / (len(CLASS_PALETTE) - 1), c] for i, c in enumerate(CLASS_PALETTE)]  # the same, continuous
FONT_FAMILY = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, sans-serif"
FONT_SIZE = 15
# The smallest text any figure may draw: what still reads from the back of a meeting room on a
# 1280x720 projector (tick labels, legends, notes, values).
MIN_FONT_SIZE = 14
NO_DATA = "#c8c8c8"  # units without a figure
LAGGING = "#D55E00"  # Okabe-Ito vermillion: units flagged as lagging
CITY = "#000000"
PACE = "#777777"  # the expected-pace line
KIND_COLOURS = {"single": "#0072B2", "regional": "#E69F00", "industry": "#009E73"}  # Okabe-Ito
STAGE_COLOURS = {"offer": "#56B4E9", "signed": "#0072B2", "filed": "#009E73"}


def base_layout(**overrides) -> dict:
    """Layout defaults for every chart: CJK font, tight margins, no plotly logo clutter."""
    layout = {
        "font": {"family": FONT_FAMILY, "size": FONT_SIZE, "color": "#222"},
        "margin": {"l": 10, "r": 10, "t": 36, "b": 10},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "hoverlabel": {"font": {"family": FONT_FAMILY, "size": FONT_SIZE}},
        "separators": ".,",  # thousands separator in axis ticks and hovers
    }
    layout.update(overrides)
    return layout


# Every dcc.Graph's config (dashboard/components/graph.py). The toolbar speaks Chinese through plotly.js's
# own zh-CN dictionary, built into assets/vendor/plotly-app.min.js. Nothing on it may leave the site: no
# logo link to plotly.com, no "Share chart..." / "Edit in Chart Studio" (plotly.js 4 shows its share
# button unless told not to), and no cloud URL to send to. Selection, spike lines and hover-mode
# switches mean nothing on these charts and are removed; what is left: download, zoom, pan, reset.
MODEBAR_REMOVED = ("lasso2d", "select2d", "sendChartToCloud", "editInChartStudio", "toggleSpikelines",
                   "hoverClosestCartesian", "hoverCompareCartesian", "autoScale2d", "zoomIn2d", "zoomOut2d")
GRAPH_CONFIG = {
    "displaylogo": False,
    "showSendToCloud": False,
    "showEditInChartStudio": False,
    "plotlyServerURL": "",
    "locale": "zh-CN",
    "responsive": True,
    "modeBarButtonsToRemove": list(MODEBAR_REMOVED),
    "toImageButtonOptions": {"format": "png", "filename": "集中要约行动监测", "scale": 2},
}
