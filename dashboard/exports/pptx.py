"""PPTX for the meeting room: 16:9, one slide per section, native (editable) charts.

Slides: cover, KPIs, progress (native line chart: the city against the expected pace), the map
(a picture, from render.py) with the off-map units, rankings (native bar chart), lagging units with
reasons, the per-unit table (native tables, split over slides so nothing is clipped), 典型 highlights.

python-pptx's `font.name` sets only the Latin typeface; every run here also gets the East Asian one
(`a:ea`, 微软雅黑 — what Windows projectors have) and its fallback (`a:cs`). Fonts are not embedded.
"""

from __future__ import annotations

import io

from lxml import etree
from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION
from pptx.enum.text import PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Emu, Pt

from dashboard.exports import content
from dashboard.exports.render import Renderer, renderer
from domain.metrics import label

EA_FONT = "微软雅黑"  # Microsoft YaHei: on every Windows PC
EA_FALLBACK = "Noto Sans CJK SC"
LATIN_FONT = "Microsoft YaHei"
WIDTH, HEIGHT = Emu(12192000), Emu(6858000)  # 13.333 x 7.5 in: 16:9
BLUE = RGBColor(0x0B, 0x3D, 0x6E)
RED = RGBColor(0xB2, 0x3C, 0x00)
GREY = RGBColor(0x55, 0x55, 0x55)
TABLE_ROWS_PER_SLIDE = 12
MAP_PX = (1100, 620)


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


def _slide(prs, title: str, doc: dict):
    slide = prs.slides.add_slide(prs.slide_layouts[6])  # blank
    _text(slide, Emu(457200), Emu(228600), Emu(11277600), Emu(640080), [(title, 28, BLUE)])
    _text(slide, Emu(457200), Emu(6400800), Emu(11277600), Emu(320040),
          [(f"{doc['title']} · {content.stamp(doc)}", 10, GREY)])
    return slide


def _chart_fonts(chart) -> None:
    """Chart text (axes, legend, labels) in the CJK typefaces too."""
    chart.font.size = Pt(12)
    chart.font.name = LATIN_FONT
    rpr = chart.font._rPr
    for tag, face in (("a:ea", EA_FONT), ("a:cs", EA_FALLBACK)):
        el = rpr.find(qn(tag))
        if el is None:
            el = etree.SubElement(rpr, qn(tag))
        el.set("typeface", face)
    _order_rpr(rpr)


def _cover(prs, doc):
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    _text(slide, Emu(685800), Emu(1600200), Emu(10820400), Emu(1097280), [(doc["title"] or "会议快照", 40, BLUE)])
    lines = [(content.stamp(doc), 16, RED)] + [(line, 18, None) for line in content.summary_lines(doc)]
    if doc.get("note"):
        lines.append((doc["note"], 14, GREY))
    _text(slide, Emu(685800), Emu(2926080), Emu(10820400), Emu(3200400), lines)


def _kpis(prs, doc):
    slide = _slide(prs, "主要指标", doc)
    tiles = content.kpis(doc)
    w, h, gap = Emu(2651760), Emu(2286000), Emu(182880)
    for i, k in enumerate(tiles):
        left = Emu(457200 + (i % 4) * (w + gap))
        top = Emu(1097280 + (i // 4) * (h + gap))
        shape = slide.shapes.add_shape(1, left, top, w, h)  # rectangle
        shape.fill.solid()
        shape.fill.fore_color.rgb = RGBColor(0xF3, 0xF6, 0xFA)
        shape.line.color.rgb = RGBColor(0xC9, 0xD3, 0xDF)
        paras = [(k["title"], 14, GREY), (k["value"], 30, BLUE)] + [(line, 12, GREY) for line in k["lines"]]
        if k["change"]:
            paras.append((k["change"], 12, RGBColor(0x0B, 0x6E, 0x3D)))
        _text(slide, left, top, w, h, paras)


def _progress(prs, doc):
    slide = _slide(prs, "累计进度与应达进度", doc)
    labels, progress, expected = content.progress_series(doc)
    data = CategoryChartData(number_format="0%")
    data.categories = labels
    data.add_series(f"全市{label('target_progress')}", progress)
    data.add_series("应达进度", expected)
    frame = slide.shapes.add_chart(XL_CHART_TYPE.LINE_MARKERS, Emu(457200), Emu(1005840), Emu(11277600),
                                   Emu(5303520), data)
    chart = frame.chart
    chart.has_legend = True
    chart.legend.position = XL_LEGEND_POSITION.TOP
    chart.legend.include_in_layout = False
    chart.value_axis.tick_labels.number_format = "0%"
    chart.value_axis.tick_labels.number_format_is_linked = False
    _chart_fonts(chart)


def _map(prs, doc, png: bytes | None):
    spec = content.metric_spec(doc)
    slide = _slide(prs, f"各单位分布：{spec['label']}", doc)
    if png:
        slide.shapes.add_picture(io.BytesIO(png), Emu(457200), Emu(1005840), height=Emu(4754880))
    else:
        _text(slide, Emu(457200), Emu(1005840), Emu(7000000), Emu(600000), [("（地图未能生成）", 16, GREY)])
    offmap = [r for r in spec["rows"] if not r.get("adcode")]
    lines = [("开发区及市直单位（无行政边界）", 14, BLUE)] + [
        (f"{r['name']}  {r['value_text']}", 12, RED if r["code"] in {x["code"] for x in doc["lagging"]} else None)
        for r in offmap
    ]
    _text(slide, Emu(8961120), Emu(1005840), Emu(2773680), Emu(5303520), lines)


def _ranking(prs, doc):
    spec = content.metric_spec(doc)
    slide = _slide(prs, f"单位排名：{spec['label']}", doc)
    ranked = sorted((r for r in spec["rows"] if r["rank"] is not None), key=lambda r: r["rank"])
    data = CategoryChartData(number_format="0.0%" if spec["fmt"].endswith("%") else "#,##0")
    # Bar charts draw the first category at the bottom: reverse so rank 1 is on top.
    data.categories = [r["name"] for r in reversed(ranked)]
    data.add_series(spec["label"], [r["value"] for r in reversed(ranked)])
    frame = slide.shapes.add_chart(XL_CHART_TYPE.BAR_CLUSTERED, Emu(457200), Emu(960120), Emu(8046720),
                                   Emu(5394960), data)
    chart = frame.chart
    chart.has_legend = False
    plot = chart.plots[0]
    plot.has_data_labels = True
    plot.data_labels.number_format = data.number_format
    plot.data_labels.number_format_is_linked = False
    plot.gap_width = 40
    plot.series[0].format.fill.solid()
    plot.series[0].format.fill.fore_color.rgb = BLUE
    lag = {x["code"] for x in doc["lagging"]}
    for i, r in enumerate(reversed(ranked)):
        if r["code"] in lag:
            point = plot.series[0].points[i]
            point.format.fill.solid()
            point.format.fill.fore_color.rgb = RED
    _chart_fonts(chart)
    chart.font.size = Pt(10)
    unranked = [r for r in spec["rows"] if r["rank"] is None]
    notes = [("红色为落后单位", 12, RED)] + ([("无排名：", 12, GREY)] + [(f"{r['name']}（{r['value_text']}）", 12, GREY)
                                                                   for r in unranked] if unranked else [])
    _text(slide, Emu(8686800), Emu(1005840), Emu(3048000), Emu(4572000), notes)


def _lagging(prs, doc):
    slide = _slide(prs, f"落后单位及原因（{len(doc['lagging'])} 个）", doc)
    if not doc["lagging"]:
        _text(slide, Emu(457200), Emu(1097280), Emu(11277600), Emu(914400), [("暂无落后单位。", 18, None)])
        return
    paras = []
    for i, x in enumerate(doc["lagging"], start=1):
        paras.append((f"{i}. {x['name']}", 18, RED))
        paras.append(("；".join(r["text"] for r in x["reasons"]), 14, None))
    _text(slide, Emu(457200), Emu(1005840), Emu(11277600), Emu(5303520), paras)


def _table(prs, doc):
    headers, rows = content.unit_table(doc)
    rows = rows + [content.city_row(doc)]
    chunks = [rows[i:i + TABLE_ROWS_PER_SLIDE] for i in range(0, len(rows), TABLE_ROWS_PER_SLIDE)]
    widths = [1.6, 0.8, 0.85, 0.85, 0.85, 0.95, 1.0, 0.85, 0.7, 0.7, 0.8, 0.8, 0.7, 0.55]
    scale = 11277600 / sum(widths)
    for n, chunk in enumerate(chunks, start=1):
        title = f"各单位明细（{len(doc['units'])} 个单位" + (f"，{n}/{len(chunks)}）" if len(chunks) > 1 else "）")
        slide = _slide(prs, title, doc)
        shape = slide.shapes.add_table(len(chunk) + 1, len(headers), Emu(457200), Emu(960120), Emu(11277600),
                                       Emu(380000 * (len(chunk) + 1)))
        table = shape.table
        for j, w in enumerate(widths):
            table.columns[j].width = Emu(int(w * scale))
        for i, row in enumerate([headers, *chunk]):
            for j, value in enumerate(row):
                frame = table.cell(i, j).text_frame
                frame.paragraphs[0].alignment = PP_ALIGN.LEFT if j < 2 else PP_ALIGN.RIGHT
                run = frame.paragraphs[0].add_run()
                run.text = value
                set_fonts(run, 10 if i else 10.5, RED if (i and row[-1]) else None)


def _highlights(prs, doc):
    slide = _slide(prs, "典型案例", doc)
    cases = doc.get("highlights") or []
    if not cases:
        _text(slide, Emu(457200), Emu(1097280), Emu(11277600), Emu(914400), [("本快照没有典型案例。", 18, GREY)])
        return
    paras = []
    for c in cases:
        paras.append((f"{c.get('title') or ''}（{c.get('unit_name') or ''}）", 16, BLUE))
        paras.append((str(c.get("summary") or ""), 12, None))
    _text(slide, Emu(457200), Emu(1005840), Emu(11277600), Emu(5303520), paras)


def build(doc: dict, map_png: bytes | None) -> bytes:
    prs = Presentation()
    prs.slide_width, prs.slide_height = WIDTH, HEIGHT
    _cover(prs, doc)
    _kpis(prs, doc)
    _progress(prs, doc)
    _map(prs, doc, map_png)
    _ranking(prs, doc)
    _lagging(prs, doc)
    _table(prs, doc)
    _highlights(prs, doc)
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
    png = r.png(content.map_figure_of(doc, w, h), w, h, scale=2)
    tell(3, 3, "生成幻灯片")
    return build(doc, png)
