"""PPTX for the meeting room: 16:9, one slide per section, native (editable) charts, numbered slides.

Slides: cover, KPIs, progress (native line chart on a date axis with weekly "4月14日" ticks: the
city against the expected pace), the map (a picture, from render.py) with the off-map units,
rankings (native bar chart), lagging units with reasons, composition (native stacked bars:
单独开展企业 / 区域 / 行业 per stage, and the attachment's table), the per-unit table (native
tables, split over slides so nothing is clipped), 典型 highlights, what needs following up
(指导员, 工作日志, 监督检查, 典型, 实效评价). Rate axes are percentages
("0%") capped just above the data; lagging is the web's lagging colour (dashboard.theme.LAGGING).
Sizes are for a 1280×720 projector: body text ≥ 14 pt, chart text ≥ 12 pt.

python-pptx's `font.name` sets only the Latin typeface; every run here also gets the East Asian one
(`a:ea`, 微软雅黑 — what Windows projectors have) and its fallback (`a:cs`). Fonts are not embedded.
"""

from __future__ import annotations

import datetime as dt
import io
import math

from lxml import etree
from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LABEL_POSITION, XL_LEGEND_POSITION
from pptx.enum.dml import MSO_LINE_DASH_STYLE
from pptx.enum.text import PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Emu, Pt

from dashboard import theme
from dashboard.exports import content
from dashboard.exports.render import Renderer, renderer
from dashboard.labels import date_cn
from domain.format import thousands
from domain.measures import LINE_KINDS, LINE_LABELS, PARTS, STAGE_LABELS, STAGES
from domain.metrics import METRICS, label

EA_FONT = "微软雅黑"  # Microsoft YaHei: on every Windows PC
EA_FALLBACK = "Noto Sans CJK SC"
LATIN_FONT = "Microsoft YaHei"
WIDTH, HEIGHT = Emu(12192000), Emu(6858000)  # 13.333 x 7.5 in: 16:9
BLUE = RGBColor(0x0B, 0x3D, 0x6E)
GREY = RGBColor(0x55, 0x55, 0x55)
WHITE = RGBColor(0xFF, 0xFF, 0xFF)


def _rgb(hex_colour: str) -> RGBColor:
    return RGBColor.from_string(hex_colour.lstrip("#").upper())


LAG = _rgb(theme.LAGGING)  # the web's lagging colour (assets/style.css --warn)
ACCENT = _rgb(theme.STAGE_COLOURS["signed"])
TABLE_ROWS_PER_SLIDE = 8
LAGGING_PER_SLIDE = 6
FOLLOWUP_LINES = 5  # a longer list of units is one paragraph
NOTE_CHARS = 60  # of the note on the cover; the rest is in the speaker notes
MAP_PX = (1000, 655)  # the map's slot: 8.1 x 5.3 in
BODY_PT, SMALL_PT, CHART_PT = 14, 12, 12
DATE_FORMAT = 'm"月"d"日"'  # 4月14日
STAGE_SHORT = {"offer": "要约", "signed": "签订", "filed": "备案"}
PART_SHORT = {"copies": "份数", "ents": "企业", "workers": "职工"}


def set_fonts(run, size: float | None = None, color: RGBColor | None = None) -> None:
    """Latin, East Asian (a:ea) and complex-script typefaces on one run, plus size and colour."""
    font = run.font
    font.name = LATIN_FONT
    if size:
        font.size = Pt(size)
    if color is not None:
        font.color.rgb = color
    rpr = run._r.get_or_add_rPr()
    for tag, face in (("a:ea", EA_FONT), ("a:cs", EA_FALLBACK)):
        el = rpr.find(qn(tag))
        if el is None:
            el = etree.SubElement(rpr, qn(tag))
        el.set("typeface", face)
    _order_rpr(rpr)


def _order_rpr(rpr) -> None:
    # CT_TextCharacterProperties wants ln, fills, effects, highlight, uLnTx.., latin, ea, cs, sym, hlink...
    order = ["a:ln", "a:noFill", "a:solidFill", "a:gradFill", "a:blipFill", "a:pattFill", "a:grpFill",
             "a:effectLst", "a:effectDag", "a:highlight", "a:uLnTx", "a:uLn", "a:uFillTx", "a:uFill", "a:latin",
             "a:ea", "a:cs", "a:sym", "a:hlinkClick", "a:hlinkMouseOver", "a:rtl", "a:extLst"]
    rank = {qn(t): i for i, t in enumerate(order)}
    children = sorted(rpr, key=lambda el: rank.get(el.tag, len(order)))
    for el in children:
        rpr.remove(el)
        rpr.append(el)


def _text(slide, left, top, width, height, paragraphs: list[tuple[str, float, RGBColor | None]],
          align=PP_ALIGN.LEFT):
    box = slide.shapes.add_textbox(left, top, width, height)
    frame = box.text_frame
    frame.word_wrap = True
    for i, (text, size, color) in enumerate(paragraphs):
        para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        para.alignment = align
        run = para.add_run()
        run.text = text
        set_fonts(run, size, color)
    return box


LEFT, TOP, FULL_W = Emu(457200), Emu(1005840), Emu(11277600)  # 0.5 in margins; content from 1.1 in
BODY_H = Emu(5303520)  # down to 6.9 in, above the footer


def _slide(prs, title: str, doc: dict):
    """A blank slide with its title and the footer's source line (the page number comes last, in _number)."""
    slide = prs.slides.add_slide(prs.slide_layouts[6])  # blank
    _text(slide, LEFT, Emu(228600), FULL_W, Emu(640080), [(title, 28, BLUE)])
    _text(slide, LEFT, Emu(6400800), Emu(9601200), Emu(365760),
          [(f"{doc['title']} · {content.stamp(doc)}", SMALL_PT, GREY)])
    return slide


def _number(prs) -> None:
    """"第 N 页 / 共 M 页" at the bottom right of every slide."""
    total = len(prs.slides)
    for n, slide in enumerate(prs.slides, start=1):
        _text(slide, Emu(9601200), Emu(6400800), Emu(2133600), Emu(365760),
              [(f"第 {n} 页 / 共 {total} 页", SMALL_PT, BLUE)], align=PP_ALIGN.RIGHT)


def _chart_fonts(chart, size: float = CHART_PT) -> None:
    """Chart text (axes, legend, labels) in the CJK typefaces too."""
    chart.font.size = Pt(size)
    chart.font.name = LATIN_FONT
    rpr = chart.font._rPr
    for tag, face in (("a:ea", EA_FONT), ("a:cs", EA_FALLBACK)):
        el = rpr.find(qn(tag))
        if el is None:
            el = etree.SubElement(rpr, qn(tag))
        el.set("typeface", face)
    _order_rpr(rpr)


def rate_cap(values: list[float], at_most_one: bool = False) -> float:
    """The top of a percent axis: the next 20% step above the data (at least 20%); 100% for a rate that cannot pass it."""
    top = max([v for v in values if v is not None] or [0.0])
    if at_most_one and top <= 1:
        return 1.0
    return max(math.ceil(round(top * 5, 6)) / 5, 0.2)


def _percent_axis(axis, cap: float, floor: float = 0.0) -> None:
    axis.minimum_scale = floor
    axis.maximum_scale = cap
    axis.major_unit = 0.2 if cap - floor > 0.6 else 0.1
    axis.tick_labels.number_format = "0%"
    axis.tick_labels.number_format_is_linked = False
    axis.has_major_gridlines = True
    axis.major_gridlines.format.line.color.rgb = RGBColor(0xD9, 0xDD, 0xE3)


def _weekly_dates(axis) -> None:
    """A date axis with one tick a week, written 4月14日 (python-pptx has no setter for these)."""
    ax = axis._element
    for tag, val in (("c:baseTimeUnit", "days"), ("c:majorUnit", "7"), ("c:majorTimeUnit", "days")):
        el = ax.find(qn(tag))
        if el is None:
            el = etree.SubElement(ax, qn(tag))
        el.set("val", val)
    # Schema order of CT_DateAx after c:lblOffset: baseTimeUnit, majorUnit, majorTimeUnit, minorUnit, ...
    order = [qn(t) for t in ("c:baseTimeUnit", "c:majorUnit", "c:majorTimeUnit", "c:minorUnit", "c:minorTimeUnit",
                             "c:extLst")]
    tail = sorted((el for el in ax if el.tag in order), key=lambda el: order.index(el.tag))
    for el in tail:
        ax.remove(el)
        ax.append(el)
    axis.tick_labels.number_format = DATE_FORMAT
    axis.tick_labels.number_format_is_linked = False


def _cover(prs, doc):
    """Title band (title, campaign, as-of stamp), the day's facts, and the KPI tiles with the lagging count."""
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    band = slide.shapes.add_shape(1, 0, 0, WIDTH, Emu(2011680))  # 2.2 in
    band.fill.solid()
    band.fill.fore_color.rgb = BLUE
    band.line.fill.background()
    _text(slide, LEFT, Emu(182880), FULL_W, Emu(822960), [(doc["title"] or "会议快照", 36, WHITE)])
    _text(slide, LEFT, Emu(1005840), FULL_W, Emu(914400),
          [(content.campaign_line(doc), 20, RGBColor(0xDB, 0xE6, 0xF2)),
           (content.stamp(doc), 16, RGBColor(0xFF, 0xD9, 0xC2))])
    facts = "；".join(content.summary_lines(doc)[1:])
    note = " ".join((doc.get("note") or "").split())
    if doc.get("note"):  # the whole note in the speaker notes, its start on the slide
        slide.notes_slide.notes_text_frame.text = doc["note"]
        facts += f"\n备注：{note if len(note) <= NOTE_CHARS else note[:NOTE_CHARS] + '…'}"
    _text(slide, LEFT, Emu(2057400), FULL_W, Emu(777240), [(line, 16, None) for line in facts.split("\n")])
    tiles = content.kpis(doc)
    names = "、".join(x["name"] for x in doc["lagging"][:5]) + ("等" if len(doc["lagging"]) > 5 else "")
    tiles.append({"title": "落后单位", "value": f"{len(doc['lagging'])} 个", "lines": [names or "暂无"], "change": "",
                  "warn": bool(doc["lagging"])})
    for k, cell in zip(tiles, _grid(len(tiles), 4, 2, top=Emu(2971800), height=Emu(3337560)), strict=True):
        paras = [(k["title"], 16, GREY), (k["value"], 28, LAG if k.get("warn") else BLUE)]
        paras += [(line, BODY_PT, GREY) for line in k["lines"]]
        if k["change"]:
            paras.append((k["change"], BODY_PT, RGBColor(0x0B, 0x6E, 0x3D)))
        _card(slide, *cell, paras, LAG if k.get("warn") else RGBColor(0xC9, 0xD3, 0xDF))


def _last_year(prs, doc):
    """与去年同期比较: the seven KPIs now and on the same day of the previous campaign, one table row each
    (the tiles have no room for a fifth line at 14 pt); no slide without last year's figures."""
    rows = content.last_year_rows(doc)
    if not rows:
        return
    last = doc["kpis"]["last_year"]
    then, now = date_cn(content.day(last["date"])), date_cn(content.day(doc["filters"]["as_of"]))
    slide = _slide(prs, f"与去年同期比较（{then}）", doc)
    headers = ["指标", f"本期（{now}）", f"同期（{then}）", "变化"]
    shape = slide.shapes.add_table(len(rows) + 1, len(headers), LEFT, Emu(1097280), FULL_W, Emu(548640 * (len(rows) + 1)))
    table = shape.table
    for j, w in enumerate((3, 2, 2, 2)):
        table.columns[j].width = Emu(int(w * 11277600 / 9))
    for i, row in enumerate([headers, *rows]):
        for j, value in enumerate(row):
            _cell(table.cell(i, j), value, BODY_PT if i else SMALL_PT, None, j == 0)
    _text(slide, LEFT, Emu(1097280 + 548640 * (len(rows) + 1) + 182880), FULL_W, Emu(457200),
          [(f"同期：{last['campaign_name']}在{then}的累计数；比率之差以百分点计。", BODY_PT, GREY)])


def _progress(prs, doc):
    slide = _slide(prs, "累计进度与应达进度", doc)
    _, progress, expected = content.progress_series(doc)
    data = CategoryChartData(number_format="0%")
    data.categories = [dt.date.fromisoformat(d) for d in doc["trend"]["dates"]]
    data.add_series(f"{content.area_word(doc)}{label('target_progress')}", progress)
    data.add_series("应达进度", expected)
    frame = slide.shapes.add_chart(XL_CHART_TYPE.LINE, LEFT, TOP, FULL_W, BODY_H, data)
    chart = frame.chart
    chart.has_legend = True
    chart.legend.position = XL_LEGEND_POSITION.TOP
    chart.legend.include_in_layout = False
    _percent_axis(chart.value_axis, rate_cap(progress + expected))
    _weekly_dates(chart.category_axis)
    city, pace = chart.plots[0].series
    city.format.line.color.rgb = ACCENT
    city.format.line.width = Pt(3)
    city.smooth = False
    pace.format.line.color.rgb = _rgb(theme.PACE)
    pace.format.line.width = Pt(2)
    pace.format.line.dash_style = MSO_LINE_DASH_STYLE.DASH
    pace.smooth = False
    _chart_fonts(chart, 14)


def _map(prs, doc, png: bytes | None):
    spec = content.metric_spec(doc)
    slide = _slide(prs, f"各单位分布：{spec['label']}", doc)
    if png:
        slide.shapes.add_picture(io.BytesIO(png), LEFT, TOP, width=Emu(7406640))
    else:
        _text(slide, LEFT, TOP, Emu(7000000), Emu(600000), [("（地图未能生成）", 16, GREY)])
    offmap = [r for r in spec["rows"] if not r.get("adcode")]
    lag = {x["code"] for x in doc["lagging"]}
    lines = [("开发区及市直单位（无行政边界）", 16, BLUE)] + [
        (f"{r['name']}  {r['value_text']}", BODY_PT, LAG if r["code"] in lag else None) for r in offmap
    ] + [("橙色为落后单位", SMALL_PT, LAG)]
    _text(slide, Emu(8778240), TOP, Emu(2956560), BODY_H, lines)


def _ranking(prs, doc):
    spec = content.metric_spec(doc)
    slide = _slide(prs, f"单位排名：{spec['label']}", doc)
    ranked = sorted((r for r in spec["rows"] if r["rank"] is not None), key=lambda r: r["rank"])
    is_rate = spec["fmt"].endswith("%")
    data = CategoryChartData(number_format="0.0%" if is_rate else "#,##0")
    # Bar charts draw the first category at the bottom: reverse so rank 1 is on top.
    data.categories = [r["name"] for r in reversed(ranked)]
    values = [r["value"] for r in reversed(ranked)]
    data.add_series(spec["label"], values)
    frame = slide.shapes.add_chart(XL_CHART_TYPE.BAR_CLUSTERED, LEFT, Emu(960120), Emu(8595360), Emu(5394960), data)
    chart = frame.chart
    chart.has_legend = False
    chart.has_title = False
    plot = chart.plots[0]
    plot.has_data_labels = True
    plot.data_labels.number_format = data.number_format
    plot.data_labels.number_format_is_linked = False
    plot.data_labels.position = XL_LABEL_POSITION.OUTSIDE_END
    plot.gap_width = 40
    plot.series[0].format.fill.solid()
    plot.series[0].format.fill.fore_color.rgb = ACCENT
    lag = {x["code"] for x in doc["lagging"]}
    for i, r in enumerate(reversed(ranked)):
        if r["code"] in lag:
            point = plot.series[0].points[i]
            point.format.fill.solid()
            point.format.fill.fore_color.rgb = LAG
    if is_rate:
        low, bounded = min([0.0, *values]), METRICS[spec["metric"]].at_most_one
        # Room for the value labels past the longest bar, except on a scale that ends at 100%.
        cap = rate_cap(values if bounded else [v * 1.1 for v in values], bounded)
        _percent_axis(chart.value_axis, cap, floor=-rate_cap([-low]) if low < 0 else 0.0)
    _chart_fonts(chart, CHART_PT)
    unranked = [r for r in spec["rows"] if r["rank"] is None]
    notes = [("橙色为落后单位", BODY_PT, LAG)]
    if unranked:
        notes += [("无排名：", BODY_PT, GREY)] + [(f"{r['name']}（{r['value_text']}）", BODY_PT, GREY) for r in unranked]
    _text(slide, Emu(9235440), TOP, Emu(2499360), Emu(4572000), notes)


def _card(slide, left, top, width, height, paras, border: RGBColor) -> None:
    """A light box with a coloured border holding `paras` (the KPI tiles, lagging units, 典型 cases)."""
    shape = slide.shapes.add_shape(1, left, top, width, height)  # rectangle
    shape.fill.solid()
    shape.fill.fore_color.rgb = RGBColor(0xF7, 0xF9, 0xFC)
    shape.line.color.rgb = border
    box = _text(slide, left, top, width, height, paras)
    for para in box.text_frame.paragraphs[1:]:
        para.space_before = Pt(4)


def _grid(n: int, cols: int, rows: int, top=TOP, height=BODY_H):
    """(left, top, width, height) of `n` cells filling `cols` columns and `rows` rows of the body."""
    gap = 182880
    w = (FULL_W - gap * (cols - 1)) // cols
    h = (height - gap * (rows - 1)) // rows
    return [(Emu(LEFT + (i % cols) * (w + gap)), Emu(top + (i // cols) * (h + gap)), Emu(w), Emu(h)) for i in range(n)]


def _lagging(prs, doc):
    units = content.lagging_units(doc)
    chunks = [units[i:i + LAGGING_PER_SLIDE] for i in range(0, len(units), LAGGING_PER_SLIDE)] or [[]]
    for n, chunk in enumerate(chunks):
        more = f"，{n + 1}/{len(chunks)}" if len(chunks) > 1 else ""
        slide = _slide(prs, f"落后单位及原因（{len(units)} 个，按严重程度排序{more}）", doc)
        if not chunk:
            _text(slide, LEFT, TOP, FULL_W, Emu(914400), [("暂无落后单位。", 20, None)])
            continue
        rows = max(3, -(-len(chunk) // 2))
        for i, (x, cell) in enumerate(zip(chunk, _grid(len(chunk), 2, rows), strict=True),
                                       start=n * LAGGING_PER_SLIDE + 1):
            tags = "、".join(r["label"] for r in x["reasons"])
            figures = " · ".join(f"{k} {v}" for k, v in content.key_figures(x["unit"]))
            paras = [(f"{i}. {x['name']}（{tags}）", 20, LAG)]
            paras += [(r["text"], 16, None) for r in x["reasons"]] + [(figures, BODY_PT, GREY)]
            _card(slide, *cell, paras, LAG)


def _composition(prs, doc):
    slide = _slide(prs, "构成：单独开展企业 / 区域 / 行业", doc)
    by_kind = {line["kind"]: line for line in doc["lines"]}
    half = Emu(5546000)
    for j, part in enumerate(("ents", "workers")):
        data = CategoryChartData(number_format="#,##0")
        data.categories = [STAGE_LABELS[s] for s in reversed(STAGES)]  # 发出要约 on top
        for kind in LINE_KINDS:
            data.add_series(LINE_LABELS[kind], [int(by_kind.get(kind, {}).get(f"{s}_{part}") or 0)
                                                for s in reversed(STAGES)])
        frame = slide.shapes.add_chart(XL_CHART_TYPE.BAR_STACKED, Emu(457200 + j * (half + 185600)), TOP, half,
                                       Emu(3017520), data)
        chart = frame.chart
        chart.has_title = True
        chart.chart_title.text_frame.text = "覆盖企业数（家）" if part == "ents" else "覆盖职工数（人）"
        chart.has_legend = True
        chart.legend.position = XL_LEGEND_POSITION.BOTTOM
        chart.legend.include_in_layout = False
        plot = chart.plots[0]
        plot.gap_width = 50
        plot.overlap = 100
        plot.has_data_labels = True
        plot.data_labels.number_format = "#,##0"
        plot.data_labels.number_format_is_linked = False
        for kind, series in zip(LINE_KINDS, plot.series, strict=True):
            series.format.fill.solid()
            series.format.fill.fore_color.rgb = _rgb(theme.KIND_COLOURS[kind])
        chart.value_axis.visible = False
        chart.value_axis.has_major_gridlines = False
        _chart_fonts(chart, CHART_PT)
        for run in chart.chart_title.text_frame.paragraphs[0].runs:
            set_fonts(run, 16, BLUE)
    # The attachment's table: three rows and 合计, nine measures.
    rows = content.line_table(doc)
    headers = ["类别"] + [f"{STAGE_SHORT[s]}{PART_SHORT[p]}" for s in STAGES for p in PARTS]  # "要约份数"
    shape = slide.shapes.add_table(len(rows) + 1, len(headers), LEFT, Emu(4160520), FULL_W, Emu(2103120))
    table = shape.table
    widths = [1.5] + [1.0] * 9
    for j, w in enumerate(widths):
        table.columns[j].width = Emu(int(w * 11277600 / sum(widths)))
    for i, row in enumerate([None, *rows]):
        cells = headers if row is None else [LINE_LABELS.get(row["kind"], row["label"])] + [
            thousands(row[f"{s}_{p}"]) for s in STAGES for p in PARTS]
        for j, value in enumerate(cells):
            _cell(table.cell(i, j), value, SMALL_PT if row is None else BODY_PT, None, j == 0)


def _cell(cell, value: str, size: float, color: RGBColor | None, left: bool) -> None:
    cell.margin_left = cell.margin_right = Emu(45720)
    frame = cell.text_frame
    frame.paragraphs[0].alignment = PP_ALIGN.LEFT if left else PP_ALIGN.RIGHT
    run = frame.paragraphs[0].add_run()
    run.text = value
    set_fonts(run, size, color)


def _table(prs, doc):
    headers, rows = content.unit_table(doc)
    rows = rows + [content.city_row(doc)]
    chunks = [rows[i:i + TABLE_ROWS_PER_SLIDE] for i in range(0, len(rows), TABLE_ROWS_PER_SLIDE)]
    # Points each column needs at 14 pt (a two-line unit name; "1,064,985"; "100.0%"), scaled to the slide.
    widths = [84, 50, 76, 48, 48, 54, 80, 48, 60, 60, 60, 60, 64, 40]
    scale = 11277600 / sum(widths)
    for n, chunk in enumerate(chunks, start=1):
        title = f"各单位明细（{len(doc['units'])} 个单位" + (f"，{n}/{len(chunks)}）" if len(chunks) > 1 else "）")
        slide = _slide(prs, title, doc)
        shape = slide.shapes.add_table(len(chunk) + 1, len(headers), LEFT, Emu(960120), FULL_W,
                                       Emu(548640 * (len(chunk) + 1)))
        table = shape.table
        for j, w in enumerate(widths):
            table.columns[j].width = Emu(int(w * scale))
        for i, row in enumerate([headers, *chunk]):
            for j, value in enumerate(row):
                _cell(table.cell(i, j), value, BODY_PT if i else SMALL_PT, LAG if (i and row[-1]) else None, j < 2)


def _highlights(prs, doc):
    cases = doc.get("highlights") or []
    if not cases:
        return
    slide = _slide(prs, f"典型案例（{len(cases)} 个）", doc)
    cols = 3 if len(cases) > 4 else 2
    rows = -(-len(cases) // cols)
    for c, cell in zip(cases, _grid(len(cases), cols, rows), strict=True):
        where = " · ".join(str(v) for v in (c.get("unit_name"), c.get("level_label"), c.get("stage_label")) if v)
        paras = [(str(c.get("title") or ""), 18, BLUE), (where + (" · 市级典型" if c.get("city_level") else ""), BODY_PT,
                                                          GREY), (str(c.get("summary") or ""), 16, None)]
        _card(slide, *cell, paras, BLUE)


def _followup(prs, doc):
    """What needs following up (指导员, 工作日志, 监督检查, 典型, 实效评价), one card per topic."""
    attention = content.followup_attention(doc)
    if not attention:
        return
    slide = _slide(prs, "需要跟进的事项：指导员 · 实效评价 · 监督检查 · 典型", doc)
    for (heading, entries), cell in zip(attention, _grid(len(attention), 3, 2), strict=True):
        lines = entries if len(entries) <= FOLLOWUP_LINES else ["、".join(entries)]
        paras = [(f"{heading}（{len(entries)}）", 18, LAG if entries else BLUE)]
        paras += [(line, BODY_PT, None) for line in lines or ["无"]]
        _card(slide, *cell, paras, LAG if entries else RGBColor(0xC9, 0xD3, 0xDF))


def build(doc: dict, map_png: bytes | None) -> bytes:
    prs = Presentation()
    prs.slide_width, prs.slide_height = WIDTH, HEIGHT
    _cover(prs, doc)
    _last_year(prs, doc)
    _map(prs, doc, map_png)
    _ranking(prs, doc)
    _lagging(prs, doc)
    _progress(prs, doc)
    _composition(prs, doc)
    _table(prs, doc)
    _highlights(prs, doc)
    _followup(prs, doc)
    _number(prs)
    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()


def export(doc: dict, r: Renderer | None = None, progress=None) -> bytes:
    tell = progress or (lambda *_: None)
    r = r or renderer()
    tell(1, 3, "启动渲染器")
    r.start()
    tell(2, 3, "绘制地图")
    w, h = MAP_PX
    figure = content.map_figure_of(doc, w, h)
    # The picture is shown at ~0.8 of its pixel size on a 1280-wide projector: 18 px labels read as ~14 px.
    figure["layout"]["font"] = {**figure["layout"].get("font", {}), "size": 18}
    png = r.png(figure, w, h, scale=2)
    tell(3, 3, "生成幻灯片")
    return build(doc, png)
