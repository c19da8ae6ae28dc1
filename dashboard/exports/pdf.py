"""PDF meeting pack: one full 16:9 landscape page per topic, numbered, ready to project or print.

The document is HTML + print CSS, printed by the warm Chromium of render.py (`Page.printToPDF`).
Every page is a fixed-size box (297 × 167 mm, the projector's 16:9), so this module knows the page
count and writes "第 N 页 / 共 M 页" itself, and a topic never spills half a page onto the next.
Each page has a title band (topic; snapshot title and as-of date) and a footer (campaign, stamp,
page number). Topics, as the snapshot has them: cover with the KPI tiles, the map, the ranking,
lagging units with reasons, progress against the expected pace, composition (单独开展企业 / 区域 /
行业), the per-unit table (split so every row stays legible), 典型 highlights, 各单位工作落实 (指导员,
实效评价, 监督检查, 典型 per unit) and what needs following up, a long note.

Text stays text (selectable, fonts embedded); charts are pictures rendered at the size of their
slot (1 CSS px of the picture = 1 px on the page), so a 15 px chart label reads like 11 pt text.
Everything is escaped (`html.escape`): titles and notes are typed by users. No bold faces: CJK
fonts here have one weight, and Chromium fakes bold with Type 3 outlines.
"""

from __future__ import annotations

import base64
from html import escape

from dashboard import theme
from dashboard.exports import content
from dashboard.exports.render import FONT_STACK, Renderer, renderer
from dashboard.labels import date_cn
from domain.format import thousands
from domain.measures import LINE_LABELS, MEASURE_LABELS, PARTS, STAGE_LABELS, STAGES

PAGE_MM = (297, 167)  # 16:9
BAND_MM, FOOT_MM, SIDE_MM = 15, 10, 10
BODY_MM = (PAGE_MM[0] - 2 * SIDE_MM, PAGE_MM[1] - BAND_MM - 4 - FOOT_MM)  # 277 × 138
PX_PER_MM = 96 / 25.4
TABLE_ROWS_PER_PAGE = 12
FOLLOWUP_ROWS_PER_PAGE = 24
FOLLOWUP_LIST_LINES = 6  # a longer list of units runs in two columns
LAG_CARDS_PER_PAGE = 8
LAG_WITH_CHART = 4  # up to this many lagging units share their page with the 进度差 chart
NOTE_ON_COVER = 90  # a longer note gets a page of its own
BLUE = "#0b3d6e"
LAG = theme.LAGGING

# Picture slots in mm (width, height): the picture is rendered at exactly this size in CSS px.
SLOTS = {
    "map": (182, BODY_MM[1]),
    "ranking": (BODY_MM[0], BODY_MM[1] - 8),
    "pace": (126, BODY_MM[1]),
    "progress": (BODY_MM[0], BODY_MM[1] - 12),
    "ents": (136, 80),
    "workers": (136, 80),
}

CSS = f"""
@page {{ size: {PAGE_MM[0]}mm {PAGE_MM[1]}mm; margin: 0; }}
* {{ box-sizing: border-box; }}
html, body {{ margin: 0; padding: 0; font-family: {FONT_STACK}; color: #222; font-size: 11pt; font-weight: normal; }}
h1, h2, h3, th, b, strong {{ font-weight: normal; margin: 0; }}
.page {{ position: relative; width: {PAGE_MM[0]}mm; height: {PAGE_MM[1] - 0.5}mm; overflow: hidden;
         break-after: page; }}
.page:last-child {{ break-after: auto; }}
.band {{ position: absolute; left: 0; right: 0; top: 0; height: {BAND_MM}mm; background: {BLUE}; color: #fff;
         display: flex; align-items: center; justify-content: space-between; padding: 0 {SIDE_MM}mm; }}
.band h2 {{ font-size: 19pt; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }}
.band .ctx {{ font-size: 11pt; color: #dbe6f2; white-space: nowrap; overflow: hidden; text-overflow: ellipsis;
              max-width: 55%; text-align: right; }}
.body {{ position: absolute; left: {SIDE_MM}mm; right: {SIDE_MM}mm; top: {BAND_MM + 4}mm; bottom: {FOOT_MM}mm; }}
.foot {{ position: absolute; left: {SIDE_MM}mm; right: {SIDE_MM}mm; bottom: 2.5mm; height: 6mm; display: flex;
         justify-content: space-between; align-items: flex-end; border-top: 0.5pt solid #c9d3df; padding-top: 1mm; }}
.foot .src {{ font-size: 8.5pt; color: #666; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; max-width: 80%; }}
.foot .no {{ font-size: 10pt; color: {BLUE}; white-space: nowrap; }}
.muted {{ color: #5b6470; }}
.lag {{ color: {LAG}; }}
img {{ display: block; }}
.row {{ display: flex; gap: 5mm; height: 100%; }}
.col {{ flex: 1 1 0; min-width: 0; }}
/* cover */
.cover .band {{ height: 58mm; flex-direction: column; align-items: flex-start; justify-content: center; gap: 2.5mm; }}
.cover h1 {{ font-size: 30pt; line-height: 1.15; max-height: 24mm; overflow: hidden; }}
.cover .campaign {{ font-size: 15pt; color: #dbe6f2; }}
.cover .stamp {{ font-size: 12pt; border: 1pt solid #ffd9c2; color: #ffd9c2; padding: 0.8mm 3mm; }}
.cover .body {{ top: 62mm; }}
.facts {{ display: flex; gap: 3mm; font-size: 12pt; margin-bottom: 3mm; }}
.facts span {{ background: #eef2f7; padding: 1.2mm 3mm; border-radius: 1.5mm; white-space: nowrap; }}
.note {{ font-size: 11pt; color: #444; margin: -1mm 0 3mm; padding-left: 3mm; border-left: 2pt solid {BLUE};
         white-space: pre-wrap; max-height: 10mm; overflow: hidden; }}
.kpis {{ display: grid; grid-template-columns: repeat(4, 1fr); grid-auto-rows: 1fr; gap: 3mm; height: 72mm; }}
.kpi {{ border: 0.75pt solid #c9d3df; border-radius: 2mm; padding: 2mm 3.5mm; overflow: hidden; }}
.kpi .t {{ color: #555; font-size: 11pt; }}
.kpi .v {{ font-size: 22pt; color: {BLUE}; line-height: 1.2; }}
.kpi .s {{ font-size: 9.5pt; color: #555; line-height: 1.35; }}
.kpi .c {{ font-size: 9.5pt; color: #0b6e3d; }}
.kpi .y {{ font-size: 9.5pt; color: #555; }}
.kpi.warn {{ border-color: {LAG}; }}
.kpi.warn .v {{ color: {LAG}; }}
/* tables */
table {{ border-collapse: collapse; width: 100%; }}
th {{ background: {BLUE}; color: #fff; font-size: 10pt; padding: 1.5mm 1mm; text-align: center; line-height: 1.25; }}
td {{ border-bottom: 0.5pt solid #d5dbe3; padding: 0 1.2mm; font-size: 11pt; white-space: nowrap; }}
td.n {{ text-align: right; font-variant-numeric: tabular-nums; }}
tr.lagrow td {{ background: #fdebe1; }}
tr.lagrow td.flag, tr.lagrow td:first-child {{ color: {LAG}; }}
tr.city td {{ background: #eef2f7; border-top: 1pt solid {BLUE}; }}
table.units td {{ height: {(BODY_MM[1] - 12) / (TABLE_ROWS_PER_PAGE + 1):.1f}mm; }}
/* map page */
.side h3 {{ font-size: 13pt; color: {BLUE}; margin-bottom: 2mm; }}
.side table td {{ font-size: 11pt; padding: 1.1mm 1mm; }}
.side p {{ font-size: 10.5pt; margin: 2.5mm 0 0; }}
/* lagging */
.cards {{ display: grid; gap: 3mm; height: 100%; }}
.card {{ border: 0.75pt solid #e7b79c; border-left: 3pt solid {LAG}; border-radius: 1.5mm; padding: 2mm 3.5mm;
         overflow: hidden; background: #fffaf7; }}
.card .u {{ font-size: 17pt; color: {LAG}; }}
.card .tag {{ display: inline-block; background: {LAG}; color: #fff; border-radius: 1mm; padding: 0 1.5mm;
              font-size: 9.5pt; margin-left: 2mm; vertical-align: 2pt; }}
.card ul {{ margin: 1.5mm 0; padding-left: 5mm; font-size: 13pt; line-height: 1.4; }}
.card .k {{ font-size: 11pt; color: #5b6470; }}
.card.rules {{ border-color: #c9d3df; border-left-color: {BLUE}; background: #f6f8fb; }}
.card.rules .u {{ color: {BLUE}; }}
.card.rules ul {{ font-size: 11.5pt; }}
/* composition */
.lines th.stage {{ border-left: 1pt solid #fff; }}
.lines td {{ padding: 1.8mm 1.2mm; }}
.lines td.kind {{ white-space: nowrap; }}
.swatch {{ display: inline-block; width: 3mm; height: 3mm; margin-right: 1.5mm; vertical-align: -0.3mm; }}
/* follow-up */
table.followup td {{ height: {(BODY_MM[1] - 16) / (FOLLOWUP_ROWS_PER_PAGE + 1):.1f}mm; font-size: 10.5pt; padding: 0 2mm; }}
table.followup td.warn {{ color: {LAG}; background: #fdebe1; }}
.card ul.list {{ font-size: 13pt; line-height: 1.45; list-style: none; padding-left: 0; }}
.card ul.two {{ columns: 2; column-gap: 4mm; font-size: 11.5pt; line-height: 1.35; }}
/* cases */
.cases {{ display: grid; grid-template-columns: repeat(3, 1fr); grid-template-rows: 1fr 1fr; gap: 4mm; height: 100%; }}
.case {{ border: 0.75pt solid #c9d3df; border-top: 3pt solid {BLUE}; border-radius: 1.5mm; padding: 2.5mm 3.5mm;
         overflow: hidden; }}
.case .h {{ font-size: 16pt; color: {BLUE}; line-height: 1.3; }}
.case .m {{ font-size: 11pt; color: #5b6470; margin: 1.5mm 0 3mm; }}
.case p {{ font-size: 14pt; line-height: 1.55; margin: 0; }}
.fullnote {{ font-size: 13pt; line-height: 1.6; white-space: pre-wrap; }}
"""


def _px(mm: float) -> int:
    return round(mm * PX_PER_MM)


def _img(picture: bytes | None, slot: str, alt: str) -> str:
    """A picture (SVG or PNG bytes) as an <img> of the slot's size."""
    w, h = SLOTS[slot]
    if not picture:
        return f'<p class="muted" style="width:{w}mm">（{escape(alt)}未能生成）</p>'
    mime = "image/svg+xml" if picture.lstrip()[:5] in (b"<svg ", b"<?xml") else "image/png"
    data = base64.b64encode(picture).decode()
    return f'<img alt="{escape(alt)}" style="width:{w}mm;height:{h}mm" src="data:{mime};base64,{data}">'


def _page(title: str, body: str, ctx: str, foot: str, cls: str = "") -> dict:
    return {"title": title, "body": body, "ctx": ctx, "foot": foot, "cls": cls}


def _context(doc: dict) -> tuple[str, str]:
    """The band's right-hand text and the footer's source line."""
    as_of = date_cn(content.day(doc["filters"]["as_of"]))
    ctx = f"{doc['title'] or '会议快照'} · {content.STAMP} {as_of}"
    return ctx, f"{content.campaign_line(doc)} · 快照编号 {doc.get('id', '—')} · {content.stamp(doc)}"


# ---------------------------------------------------------------- pages


def _cover(doc: dict) -> str:
    facts = content.summary_lines(doc)[1:]
    parts = [p for line in facts for p in line.split("；")]
    tiles = "".join(
        f'<div class="kpi"><div class="t">{escape(k["title"])}</div><div class="v">{escape(k["value"])}</div>'
        + "".join(f'<div class="s">{escape(line)}</div>' for line in k["lines"])
        + (f'<div class="c">{escape(k["change"])}</div>' if k["change"] else "")
        + (f'<div class="y">{escape(k["last_year"])}</div>' if k.get("last_year") else "") + "</div>"
        for k in content.kpis(doc)
    )
    lagging = doc["lagging"]
    names = "、".join(x["name"] for x in lagging[:6]) + ("等" if len(lagging) > 6 else "")
    tiles += (f'<div class="kpi{" warn" if lagging else ""}"><div class="t">落后单位</div>'
              f'<div class="v">{len(lagging)} 个</div><div class="s">{escape(names or "暂无")}</div></div>')
    note = doc.get("note") or ""
    note_html = f'<div class="note">{escape(note)}</div>' if note and len(note) <= NOTE_ON_COVER else ""
    return (f'<div class="facts">{"".join(f"<span>{escape(p)}</span>" for p in parts)}</div>'
            f'{note_html}<div class="kpis">{tiles}</div>')


def _map(doc: dict, png: bytes | None) -> str:
    spec = content.metric_spec(doc)
    lag = {x["code"] for x in doc["lagging"]}
    offmap = [r for r in spec["rows"] if not r.get("adcode")]
    rows = "".join(
        f'<tr class="{"lagrow" if r["code"] in lag else ""}"><td>{escape(r["name"])}</td>'
        f'<td class="n">{escape(r["value_text"])}</td></tr>' for r in offmap
    )
    side = (f'<h3>开发区及市直单位（无行政边界）</h3><table><tbody>{rows}</tbody></table>' if offmap else "")
    side += '<p class="muted">地图与上表同一色标，颜色越深表示越好；表中<span class="lag">橙色</span>为落后单位。</p>'
    return f'<div class="row"><div>{_img(png, "map", "地图")}</div><div class="col side">{side}</div></div>'


def _ranking(doc: dict, png: bytes | None) -> str:
    spec = content.metric_spec(doc)
    unranked = [r for r in spec["rows"] if r["rank"] is None]
    note = f'按{escape(spec["label"])}从高到低' if not spec["reverse"] else f'按{escape(spec["label"])}从好到差'
    note += f'；<span class="lag">⚠ 橙色名称</span>为落后单位（{len(doc["lagging"])} 个）'
    if unranked:
        note += "；无排名：" + "、".join(escape(r["name"]) for r in unranked)
    return f'<p class="muted" style="margin:0 0 2mm">{note}</p>{_img(png, "ranking", "排名")}'


def _card(x: dict) -> str:
    tags = "".join(f'<span class="tag">{escape(r["label"])}</span>' for r in x["reasons"])
    reasons = "".join(f"<li>{escape(r['text'])}</li>" for r in x["reasons"])
    figures = " · ".join(f"{escape(k)} {escape(v)}" for k, v in content.key_figures(x["unit"]))
    return f'<div class="card"><span class="u">{escape(x["name"])}</span>{tags}<ul>{reasons}</ul><div class="k">{figures}</div></div>'


def _lagging_pages(doc: dict, pace_png: bytes | None) -> list[tuple[str, str]]:
    """(title, body) of each lagging page: a few units beside the 进度差 ranking, more in two columns."""
    units = content.lagging_units(doc)
    title = f"落后单位及原因（{len(units)} 个，按严重程度排序）" if units else "落后单位及原因（暂无）"
    rules = "".join(f"<li>{escape(line)}</li>" for line in content.rule_lines(doc))
    rules = f'<div class="card rules"><span class="u">判定规则</span><ul>{rules}</ul></div>'
    if len(units) <= LAG_WITH_CHART:
        cards = "".join(_card(x) for x in units) or (
            '<div class="card rules"><span class="u">暂无落后单位</span>'
            '<ul><li>按下列规则和本快照的阈值，没有单位被判定为落后。</li></ul></div>')
        cards += rules
        rows = max(len(units), 1) + 1
        body = (f'<div class="row"><div class="col"><div class="cards" style="grid-template-rows:repeat({rows},1fr)">'
                f'{cards}</div></div><div>{_img(pace_png, "pace", "进度差排名")}</div></div>')
        return [(title, body)]
    chunks = [units[i:i + LAG_CARDS_PER_PAGE] for i in range(0, len(units), LAG_CARDS_PER_PAGE)]
    pages = []
    for n, chunk in enumerate(chunks, start=1):
        cards = "".join(_card(x) for x in chunk)
        rows = max(-(-len(chunk) // 2), 3)  # at least three rows: a card is never stretched to half a page
        if len(chunk) < 2 * rows:  # a free cell: say how a unit comes to be called lagging
            cards += rules
        grid = f"grid-template-columns:1fr 1fr;grid-template-rows:repeat({rows},1fr)"
        pages.append((title + (f" {n}/{len(chunks)}" if len(chunks) > 1 else ""),
                      f'<div class="cards" style="{grid}">{cards}</div>'))
    return pages


def _progress(doc: dict, png: bytes | None) -> str:
    lead = "；".join(content.summary_lines(doc)[1].split("；"))
    return f'<p style="font-size:13pt;margin:0 0 3mm">{escape(lead)}</p>{_img(png, "progress", "累计进度")}'


def _composition(doc: dict, pictures: dict) -> str:
    head1 = '<th rowspan="2">类别</th>' + "".join(f'<th class="stage" colspan="3">{escape(STAGE_LABELS[s])}</th>'
                                                 for s in STAGES)
    short = {"copies": "份数", "ents": "覆盖企业", "workers": "覆盖职工"}
    head2 = "".join(f"<th>{short[p]}</th>" for _ in STAGES for p in PARTS)
    body = ""
    for row in content.line_table(doc):
        kind = row["kind"]
        swatch = (f'<span class="swatch" style="background:{theme.KIND_COLOURS[kind]}"></span>'
                  if kind in theme.KIND_COLOURS else "")
        label = LINE_LABELS.get(kind, row["label"])
        cells = "".join(f'<td class="n">{thousands(row[f"{s}_{p}"])}</td>' for s in STAGES for p in PARTS)
        body += f'<tr class="{"city" if kind == "total" else ""}"><td class="kind">{swatch}{escape(label)}</td>{cells}</tr>'
    charts = (f'<div class="row" style="height:auto;margin-bottom:3mm"><div>{_img(pictures.get("ents"), "ents", "企业构成")}</div>'
              f'<div>{_img(pictures.get("workers"), "workers", "职工构成")}</div></div>')
    caption = (f'<p class="muted" style="margin:0 0 1.5mm;font-size:10pt">按通知附件统计表：{"、".join(MEASURE_LABELS[m] for m in ("offer_copies", "signed_copies", "filed_copies"))}'
               "等九项；三类互不重叠，合计为三行之和。</p>")
    return f'{charts}{caption}<table class="lines"><thead><tr>{head1}</tr><tr>{head2}</tr></thead><tbody>{body}</tbody></table>'


def _table_pages(doc: dict) -> list[tuple[str, str]]:
    headers, rows = content.unit_table(doc)
    flags = [u["lagging"] for u in doc["units"]]
    rows = [*zip(rows, flags, strict=True), (content.city_row(doc), None)]
    numeric = [kind in ("count", "rate") for _, _, kind in content.UNIT_COLUMNS]
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)

    def tr(cells: list[str], lagging: bool | None) -> str:
        cls = "city" if lagging is None else ("lagrow" if lagging else "")
        tds = "".join(
            f'<td class="{"n" if numeric[i] else ("flag" if i == len(cells) - 1 else "")}">{escape(c)}</td>'
            for i, c in enumerate(cells)
        )
        return f'<tr class="{cls}">{tds}</tr>'

    # Even chunks (13 + 11 rather than 12 + 12 + 0): no page carries a lone row.
    n_pages = -(-len(rows) // TABLE_ROWS_PER_PAGE)
    size = -(-len(rows) // n_pages)
    chunks = [rows[i:i + size] for i in range(0, len(rows), size)]
    pages = []
    for n, chunk in enumerate(chunks, start=1):
        title = f"各单位明细（{len(doc['units'])} 个单位" + (f"，{n}/{len(chunks)}）" if len(chunks) > 1 else "）")
        body = "".join(tr(cells, lag) for cells, lag in chunk)
        pages.append((title, f"<table class=units><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"))
    return pages


def _followup_pages(doc: dict) -> list[tuple[str, str]]:
    """(title, body) of the 各单位工作落实 table (split past FOLLOWUP_ROWS_PER_PAGE) and of what needs following up."""
    table = content.followup_table(doc)
    if not table:
        return []
    head = "".join(f"<th>{escape(h)}</th>" for h in content.FOLLOWUP_HEADERS)
    n_pages = -(-len(table) // FOLLOWUP_ROWS_PER_PAGE)
    size = -(-len(table) // n_pages)
    chunks = [table[i:i + size] for i in range(0, len(table), size)]
    pages = []
    for n, chunk in enumerate(chunks, start=1):
        body = "".join("<tr>" + "".join(f'<td class="{"warn" if warn else ""}">{escape(text)}</td>' for text, warn in row)
                       + "</tr>" for row in chunk)
        more = f" {n}/{len(chunks)}" if len(chunks) > 1 else ""
        pages.append((f"各单位工作落实：典型 · 指导员 · 实效评价 · 监督检查{more}",
                      f'<table class="followup"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
                      '<p class="muted" style="margin:1.5mm 0 0;font-size:10pt"><span class="lag">橙色</span>为需要跟进的情况。</p>'))
    def card(heading: str, entries: list[str]) -> str:
        items = "".join(f"<li>{escape(e)}</li>" for e in entries) or "<li>无</li>"
        cls = "list" + (" two" if len(entries) > FOLLOWUP_LIST_LINES else "")
        return (f'<div class="card{" rules" if not entries else ""}"><span class="u">{escape(heading)}'
                f'（{len(entries)}）</span><ul class="{cls}">{items}</ul></div>')

    cards = "".join(card(heading, entries) for heading, entries in content.followup_attention(doc))
    pages.append(("需要跟进的事项", f'<div class="cards" style="grid-template-columns:repeat(3,1fr);'
                                   f'grid-template-rows:1fr 1fr">{cards}</div>'))
    return pages


def _cases(doc: dict) -> str:
    cards = "".join(
        f'<div class="case"><div class="h">{escape(str(c.get("title") or ""))}</div>'
        f'<div class="m">{escape(str(c.get("unit_name") or ""))} · {escape(str(c.get("level_label") or c.get("level") or ""))}'
        f' · {escape(str(c.get("stage_label") or c.get("stage") or ""))}'
        f'{" · 市级典型" if c.get("city_level") else ""}</div><p>{escape(str(c.get("summary") or ""))}</p></div>'
        for c in doc.get("highlights") or []
    )
    return f'<div class="cases">{cards}</div>'


def pages(doc: dict, pictures: dict[str, bytes]) -> list[dict]:
    """The pack's pages in order: each {"title", "body" (HTML), "ctx", "foot", "cls"}."""
    ctx, foot = _context(doc)
    spec = content.metric_spec(doc)
    out = [_page(doc["title"] or "会议快照", _cover(doc), ctx, foot, "cover")]
    out.append(_page(f"各单位分布：{spec['label']}", _map(doc, pictures.get("map")), ctx, foot))
    out.append(_page(f"单位排名：{spec['label']}", _ranking(doc, pictures.get("ranking")), ctx, foot))
    out += [_page(t, b, ctx, foot) for t, b in _lagging_pages(doc, pictures.get("pace"))]
    out.append(_page("累计进度与应达进度", _progress(doc, pictures.get("progress")), ctx, foot))
    out.append(_page("构成：单独开展企业 / 区域 / 行业", _composition(doc, pictures), ctx, foot))
    out += [_page(t, b, ctx, foot) for t, b in _table_pages(doc)]
    if doc.get("highlights"):
        out.append(_page(f"典型案例（{len(doc['highlights'])} 个）", _cases(doc), ctx, foot))
    out += [_page(t, b, ctx, foot) for t, b in _followup_pages(doc)]
    note = doc.get("note") or ""
    if len(note) > NOTE_ON_COVER:
        out.append(_page("备注", f'<div class="fullnote">{escape(note)}</div>', ctx, foot))
    return out


def build_html(doc: dict, images: dict[str, bytes]) -> str:
    """The printable document. `images`: PNGs by slot name (see SLOTS); any may be missing."""
    all_pages = pages(doc, images)
    total = len(all_pages)
    html = []
    for n, p in enumerate(all_pages, start=1):
        if p["cls"] == "cover":
            band = (f'<div class="band"><h1>{escape(p["title"])}</h1>'
                    f'<div class="campaign">{escape(content.campaign_line(doc))}</div>'
                    f'<div class="stamp">{escape(content.stamp(doc))}</div></div>')
        else:
            band = f'<div class="band"><h2>{escape(p["title"])}</h2><div class="ctx">{escape(p["ctx"])}</div></div>'
        html.append(
            f'<section class="page {p["cls"]}">{band}<div class="body">{p["body"]}</div>'
            f'<div class="foot"><span class="src">{escape(p["foot"])}</span>'
            f'<span class="no">第 {n} 页 / 共 {total} 页</span></div></section>'
        )
    title = escape(doc["title"] or "会议快照")
    return ('<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
            f"<title>{title}</title><style>{CSS}</style></head><body>{''.join(html)}</body></html>")


def _size(figure: dict, slot: str) -> tuple[dict, int, int]:
    w, h = SLOTS[slot]
    return figure, _px(w), _px(h)


def figures(doc: dict) -> dict[str, tuple[dict, int, int]]:
    """Every picture of the pack: slot -> (figure, width px, height px)."""
    w, h = _px(SLOTS["map"][0]), _px(SLOTS["map"][1])
    out = {"map": (content.map_figure_of(doc, w, h), w, h),
           "ranking": _size(content.ranking_figure_of(doc), "ranking"),
           "progress": _size(content.progress_figure_of(doc), "progress"),
           "ents": _size(content.composition_figure_of(doc, "ents"), "ents"),
           "workers": _size(content.composition_figure_of(doc, "workers"), "workers")}
    if len(doc["lagging"]) <= LAG_WITH_CHART:
        pace = content.ranking_figure_of(doc, "pace")
        pace["layout"]["title"] = {"text": "各单位进度差", "x": 0, "font": {"size": 16}}
        pace["layout"]["margin"] = {**pace["layout"].get("margin", {}), "t": 36}
        # A narrow slot: more room right of the longest bar for "超前 45.1 个百分点".
        values = [float(v) for v in pace["data"][0]["x"]] or [0.0]
        lo, hi = min(0.0, *values), max(0.0, *values)
        span = (hi - lo) or 1.0
        pace["layout"]["xaxis"] = {**pace["layout"]["xaxis"], "range": [lo - (0.02 * span if lo < 0 else 0), hi + 0.8 * span]}
        out["pace"] = _size(pace, "pace")
    return out


def images(doc: dict, r: Renderer) -> dict[str, bytes]:
    """Every chart as SVG: vector in the PDF, and quicker to draw than a PNG at twice the size."""
    return {slot: r.svg(fig, w, h) for slot, (fig, w, h) in figures(doc).items()}


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
