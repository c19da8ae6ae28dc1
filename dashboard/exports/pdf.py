"""PDF for printing: A4 landscape, real selectable Chinese text with embedded fonts.

The document is HTML + print CSS, printed by the warm Chromium of render.py (`Page.printToPDF`).
Text stays text (only the map and the progress chart are pictures). The per-unit table is one
<table> whose <thead> repeats on every page (`display: table-header-group`) and whose rows never
split across pages. Sections: cover, KPIs, the map, rankings, lagging units with reasons, the full
per-unit table, 典型 highlights. Everything is escaped (`html.escape`): titles and notes are typed
by users.

No bold faces: CJK fonts here have one weight, and Chromium fakes bold with Type 3 outlines.
"""

from __future__ import annotations

import base64
from html import escape

from dashboard.exports import content
from dashboard.exports.render import FONT_STACK, Renderer, renderer

MAP_PX = (1000, 560)
RANKING_W = 1000

CSS = f"""
@page {{ size: A4 landscape; margin: 12mm 12mm 14mm 12mm; }}
* {{ box-sizing: border-box; }}
html, body {{ margin: 0; font-family: {FONT_STACK}; color: #222; font-size: 10.5pt; font-weight: normal; }}
h1, h2, h3, th, b, strong {{ font-weight: normal; }}
h1 {{ font-size: 26pt; margin: 0 0 6mm; color: #0b3d6e; }}
h2 {{ font-size: 16pt; margin: 0 0 4mm; color: #0b3d6e; border-bottom: 1.5pt solid #0b3d6e; padding-bottom: 1.5mm; }}
section {{ break-before: page; }}
section.cover {{ break-before: auto; padding-top: 30mm; }}
.stamp {{ display: inline-block; border: 1.5pt solid #b00020; color: #b00020; padding: 2mm 4mm; font-size: 13pt;
          margin: 4mm 0 8mm; }}
.lead p {{ font-size: 13pt; margin: 1.5mm 0; }}
.note {{ margin-top: 8mm; padding: 3mm 4mm; background: #f3f6fa; border-left: 3pt solid #0b3d6e; white-space: pre-wrap; }}
.muted {{ color: #666; }}
.kpis {{ display: grid; grid-template-columns: repeat(4, 1fr); gap: 4mm; }}
.kpi {{ border: 0.75pt solid #c9d3df; border-radius: 2mm; padding: 3mm 4mm; break-inside: avoid; }}
.kpi .t {{ color: #555; font-size: 10pt; }}
.kpi .v {{ font-size: 20pt; color: #0b3d6e; margin: 1mm 0; }}
.kpi .s {{ font-size: 9pt; color: #555; }}
.kpi .c {{ font-size: 9pt; color: #0b6e3d; margin-top: 1mm; }}
img {{ max-width: 100%; display: block; margin: 0 auto; }}
.map img {{ max-height: 150mm; }}
.chart img {{ max-height: 72mm; width: auto; }}
table {{ border-collapse: collapse; width: 100%; }}
thead {{ display: table-header-group; }}
tr {{ break-inside: avoid; page-break-inside: avoid; }}
th {{ background: #0b3d6e; color: #fff; font-size: 9pt; padding: 1.6mm 1.2mm; text-align: center; }}
td {{ border-bottom: 0.5pt solid #d5dbe3; padding: 1.4mm 1.2mm; font-size: 9pt; }}
td.n {{ text-align: right; font-variant-numeric: tabular-nums; }}
tr.lag td {{ background: #fff1ea; }}
tr.lag td.flag {{ color: #b23c00; }}
tr.city td {{ background: #eef2f7; border-top: 1pt solid #0b3d6e; }}
ol.lagging li {{ margin: 0 0 2.5mm; break-inside: avoid; }}
ol.lagging .u {{ font-size: 12pt; color: #b23c00; }}
.tag {{ display: inline-block; border: 0.75pt solid #b23c00; color: #b23c00; border-radius: 1mm; padding: 0 1.5mm;
        font-size: 8.5pt; margin-right: 1.5mm; }}
.cases {{ display: grid; grid-template-columns: repeat(2, 1fr); gap: 4mm; }}
.case {{ border: 0.75pt solid #c9d3df; border-radius: 2mm; padding: 3mm 4mm; break-inside: avoid; }}
.case .h {{ font-size: 12pt; color: #0b3d6e; }}
.grid2 {{ display: grid; grid-template-columns: 1fr 1fr; gap: 6mm; align-items: start; }}
"""


def _img(png: bytes, alt: str) -> str:
    return f'<img alt="{escape(alt)}" src="data:image/png;base64,{base64.b64encode(png).decode()}">'


def _ranking_table(doc: dict) -> str:
    spec = content.metric_spec(doc)
    rows = sorted(spec["rows"], key=lambda r: (r["rank"] is None, r["rank"] or 0))
    lag = {x["code"] for x in doc["lagging"]}
    body = "".join(
        f'<tr class="{"lag" if r["code"] in lag else ""}"><td class="n">{r["rank"] or "—"}</td>'
        f'<td>{escape(r["name"])}</td><td class="n">{escape(r["value_text"])}</td>'
        f'<td class="flag">{"落后" if r["code"] in lag else ""}</td></tr>'
        for r in rows
    )
    return (f"<table><thead><tr><th>名次</th><th>单位</th><th>{escape(spec['label'])}</th><th>落后</th></tr></thead>"
            f"<tbody>{body}</tbody></table>")


def build_html(doc: dict, images: dict[str, bytes]) -> str:
    """The printable document. `images`: PNGs "map" and "progress" (either may be missing)."""
    title = escape(doc["title"] or "会议快照")
    cover = [f"<h1>{title}</h1>", f'<div class="stamp">{escape(content.stamp(doc))}</div>', '<div class="lead">']
    cover += [f"<p>{escape(line)}</p>" for line in content.summary_lines(doc)]
    cover.append(f'<p class="muted">快照编号 {doc.get("id", "—")} · 数据版本 {escape(doc["data_version"])} · '
                 f'指标 {escape(doc["filters"]["metric_label"])}</p></div>')
    if doc.get("note"):
        cover.append(f'<div class="note">{escape(doc["note"])}</div>')

    tiles = "".join(
        f'<div class="kpi"><div class="t">{escape(k["title"])}</div><div class="v">{escape(k["value"])}</div>'
        + "".join(f'<div class="s">{escape(line)}</div>' for line in k["lines"])
        + (f'<div class="c">{escape(k["change"])}</div>' if k["change"] else "") + "</div>"
        for k in content.kpis(doc)
    )
    kpi_section = f'<section><h2>主要指标</h2><div class="kpis">{tiles}</div>'
    if "progress" in images:
        kpi_section += (f'<h2 style="margin-top:6mm">累计进度与应达进度</h2>'
                        f'<div class="chart">{_img(images["progress"], "累计进度")}</div>')
    kpi_section += "</section>"

    spec = content.metric_spec(doc)
    map_section = f'<section class="map"><h2>各单位分布：{escape(spec["label"])}</h2>'
    map_section += _img(images["map"], "地图") if "map" in images else '<p class="muted">（地图未能生成）</p>'
    offmap = [r for r in spec["rows"] if not r.get("adcode")]
    if offmap:
        items = "；".join(f"{escape(r['name'])} {escape(r['value_text'])}" for r in offmap)
        map_section += f'<p class="muted">开发区及市直单位（无行政边界）：{items}</p>'
    map_section += "</section>"

    ranking_section = f'<section><h2>单位排名：{escape(spec["label"])}</h2>{_ranking_table(doc)}</section>'

    if doc["lagging"]:
        def item(x: dict) -> str:
            text = escape("；".join(r["text"] for r in x["reasons"]))
            tags = "".join('<span class="tag">' + escape(r["label"]) + "</span>" for r in x["reasons"])
            return f'<li><span class="u">{escape(x["name"])}</span>：{text}<div>{tags}</div></li>'

        items = "".join(item(x) for x in doc["lagging"])
        lag_body = f'<p class="muted">按严重程度排序，共 {len(doc["lagging"])} 个单位</p><ol class="lagging">{items}</ol>'
    else:
        lag_body = "<p>暂无落后单位。</p>"
    lagging_section = f"<section><h2>落后单位及原因</h2>{lag_body}</section>"

    headers, rows = content.unit_table(doc)
    numeric = [kind in ("count", "rate") for _, _, kind in content.UNIT_COLUMNS]
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)

    def tr(cells: list[str], cls: str) -> str:
        tds = "".join(
            f'<td class="{"n" if numeric[i] else ("flag" if i == len(cells) - 1 else "")}">{escape(c)}</td>'
            for i, c in enumerate(cells)
        )
        return f'<tr class="{cls}">{tds}</tr>'

    body = "".join(tr(r, "lag" if u["lagging"] else "") for r, u in zip(rows, doc["units"], strict=True))
    body += tr(content.city_row(doc), "city")
    table_section = (f"<section><h2>各单位明细（{len(rows)} 个单位）</h2>"
                     f"<table class=units><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></section>")

    cases = doc.get("highlights") or []
    if cases:
        cards = "".join(
            f'<div class="case"><div class="h">{escape(str(c.get("title") or ""))}</div>'
            f'<div class="muted">{escape(str(c.get("unit_name") or ""))} · {escape(str(c.get("level_label") or c.get("level") or ""))}'
            f' · {escape(str(c.get("stage_label") or c.get("stage") or ""))}'
            f'{" · 市级典型" if c.get("city_level") else ""}</div><p>{escape(str(c.get("summary") or ""))}</p></div>'
            for c in cases
        )
        cases_body = f'<div class="cases">{cards}</div>'
    else:
        cases_body = '<p class="muted">本快照没有典型案例。</p>'
    cases_section = f"<section><h2>典型案例</h2>{cases_body}</section>"

    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{title}</title><style>{CSS}</style></head><body>"
        f'<section class="cover">{"".join(cover)}</section>'
        f"{kpi_section}{map_section}{ranking_section}{lagging_section}{table_section}{cases_section}"
        "</body></html>"
    )


def images(doc: dict, r: Renderer) -> dict[str, bytes]:
    w, h = MAP_PX
    return {
        "map": r.png(content.map_figure_of(doc, w, h), w, h, scale=2),
        "progress": r.png(content.progress_figure_of(doc), 1000, 380, scale=2),
    }


def export(doc: dict, r: Renderer | None = None, progress=None) -> bytes:
    """The PDF bytes of a snapshot document. `progress(step, total, text)` is told how far it got."""
    r = r or renderer()
    tell = progress or (lambda *_: None)
    tell(1, 4, "启动渲染器")
    r.start()
    tell(2, 4, "绘制地图和图表")
    pictures = images(doc, r)
    tell(3, 4, "排版并生成 PDF")
    return r.pdf(build_html(doc, pictures))

