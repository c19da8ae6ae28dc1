"""Exports of a snapshot, each opened with a real reader: pypdf + pdftoppm, python-pptx, openpyxl, csv.

The demo snapshot and its PDF and PPTX come from conftest.py (made once per test run). The rendered
pages (page count, nothing mostly empty) are checked in test_rendered.py.
"""

from __future__ import annotations

import csv
import io
import os
import re

import pytest

from dashboard.exports import content, export, render
from db.engine import read_session, write_session
from domain.format import pct, thousands

CJK = re.compile(r"[\u4e00-\u9fff]")
needs_browser = pytest.mark.skipif(not os.path.exists(render.browser_path()),
                                   reason="Chromium not installed (scripts/ensure-chromium.sh)")


def _text(pdf: bytes) -> str:
    from pypdf import PdfReader

    return "".join("".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)


def _fonts(pdf: bytes) -> list:
    from pypdf import PdfReader

    found = {}
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            found[id(font)] = font
    return list(found.values())


def _to_unicode(font) -> dict[int, str]:
    """CID -> text from the font's ToUnicode CMap (bfchar and bfrange entries)."""
    data = font["/ToUnicode"].get_object().get_data().decode("latin-1")
    out: dict[int, str] = {}
    for block in re.findall(r"beginbfchar(.*?)endbfchar", data, re.S):
        for cid, uni in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            out[int(cid, 16)] = bytes.fromhex(uni).decode("utf-16-be")
    for block in re.findall(r"beginbfrange(.*?)endbfrange", data, re.S):
        for lo, hi, uni in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            start = int.from_bytes(bytes.fromhex(uni), "big")
            for i, cid in enumerate(range(int(lo, 16), int(hi, 16) + 1)):
                out[cid] = chr(start + i)
    return out


def cjk_glyphs_missing(pdf: bytes, sample: str) -> set[str]:
    """The CJK characters of `sample` that no embedded font draws with a real glyph.

    A tofu box is the font's .notdef glyph (CID/GID 0) or a character no font maps. So: every CJK
    character must be the ToUnicode target of some CID other than 0 in a font with embedded outlines."""
    drawn: set[str] = set()
    for font in _fonts(pdf):
        if "/ToUnicode" not in font:
            continue
        embedded = font["/Subtype"] == "/Type3" or any(
            k in d["/FontDescriptor"] for d in [f.get_object() for f in font.get("/DescendantFonts", [])]
            for k in ("/FontFile", "/FontFile2", "/FontFile3"))
        if embedded:
            drawn |= {t for cid, t in _to_unicode(font).items() if cid != 0}
    return {c for c in sample if CJK.match(c)} - drawn


@needs_browser
def test_exp001_pdf_text_has_every_unit_and_the_figures(doc, pdf_bytes):
    text = _text(pdf_bytes)
    assert pdf_bytes.startswith(b"%PDF")
    for unit in doc["units"]:
        assert unit["name"] in text, unit["name"]
        assert thousands(unit["signed_ents"]) in text
    now = doc["kpis"]["now"]
    for figure in (now["offer_copies"], now["signed_copies"], now["filed_copies"], now["signed_workers"]):
        assert thousands(figure) in text
    assert "调度会<测试>" in text  # the title, escaped as text, not markup
    assert "数据截至" + "2017年5月31日" in text
    for x in doc["lagging"]:
        assert "".join(x["reasons"][0]["text"].split()) in text


@needs_browser
def test_exp002_pdf_is_16_9_landscape_with_fonts_embedded(doc, pdf_bytes):
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf_bytes))
    for page in reader.pages:  # 297 x 167 mm: the projector's 16:9, A4's width
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (842, 473)
    fonts = _fonts(pdf_bytes)
    assert fonts
    for font in fonts:
        if font["/Subtype"] == "/Type3":
            assert font["/CharProcs"]  # glyph programs inside the file
            continue
        for descendant in font["/DescendantFonts"]:
            descriptor = descendant.get_object()["/FontDescriptor"]
            assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), font["/BaseFont"]
    missing = cjk_glyphs_missing(pdf_bytes, "".join(u["name"] for u in doc["units"]) + "数据截至落后单位及原因备案率")
    assert not missing, f"no glyph for {sorted(missing)}"


def test_exp004_missing_glyph_helper_catches_tofu():
    # A PDF whose only font maps 临 to CID 0 (.notdef): the helper must call it missing.
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    writer = PdfWriter()
    page = writer.add_blank_page(100, 100)
    cmap = DecodedStreamObject()
    cmap.set_data(b"begincmap\n1 beginbfchar\n<0000> <4E34>\nendbfchar\nendcmap")
    font = DictionaryObject({NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type3"),
                             NameObject("/CharProcs"): DictionaryObject(),
                             NameObject("/ToUnicode"): writer._add_object(cmap)})
    page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): DictionaryObject(
        {NameObject("/F1"): writer._add_object(font)})})
    out = io.BytesIO()
    writer.write(out)
    assert cjk_glyphs_missing(out.getvalue(), "临沂") == {"临", "沂"}


@needs_browser
def test_exp005_pptx_native_charts_hold_the_frozen_figures(doc, pptx_bytes):
    from pptx import Presentation
    from pptx.oxml.ns import qn

    prs = Presentation(io.BytesIO(pptx_bytes))
    assert (prs.slide_width, prs.slide_height) == (12192000, 6858000)  # 16:9
    charts = [sh.chart for slide in prs.slides for sh in slide.shapes if sh.has_chart]
    bar = next(c for c in charts if "BAR_CLUSTERED" in str(c.chart_type))
    ranked = sorted((r for r in doc["rankings"]["filing_rate"] if r["rank"]), key=lambda r: r["rank"])
    categories = list(bar.plots[0].categories)
    assert categories[-1] == ranked[0]["name"]  # rank 1 at the top of the bar chart
    assert list(bar.plots[0].series[0].values) == pytest.approx([r["value"] for r in reversed(ranked)])
    line = next(c for c in charts if "LINE" in str(c.chart_type))
    target = doc["kpis"]["now"]["target_ents"]
    assert list(line.plots[0].series[0].values) == pytest.approx([v / target for v in doc["trend"]["signed_ents"]])
    assert [s.name for s in line.plots[0].series] == ["全市签约覆盖企业达目标", "应达进度"]
    pictures = [sh for slide in prs.slides for sh in slide.shapes if sh.shape_type == 13]
    assert pictures  # the map
    runs = [r for slide in prs.slides for sh in slide.shapes if sh.has_text_frame
            for p in sh.text_frame.paragraphs for r in p.runs if CJK.search(r.text)]
    assert runs and all(r._r.rPr.find(qn("a:ea")).get("typeface") == "微软雅黑" for r in runs)
    table_text = "".join(c.text for slide in prs.slides for sh in slide.shapes if sh.has_table
                         for row in sh.table.rows for c in row.cells)
    assert all(u["name"] in table_text for u in doc["units"])


def test_exp006_xlsx_attachment_layout_per_unit_and_data(doc):
    from openpyxl import load_workbook

    from db.submission.xlsx_template import GROUP_ROW, cell_of

    wb = load_workbook(io.BytesIO(export(doc, "xlsx")))
    assert wb.sheetnames[0] == "全市合计"
    assert set(u["name"] for u in doc["units"]) <= set(wb.sheetnames)
    ws = wb["全市合计"]
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {f"B{GROUP_ROW}:D{GROUP_ROW}", f"E{GROUP_ROW}:G{GROUP_ROW}", f"H{GROUP_ROW}:J{GROUP_ROW}"} <= merged
    assert ws[f"B{GROUP_ROW}"].value.startswith("发出工资集体协商要约书份数")
    assert ws[cell_of("regional", "signed_ents")].value == doc["lines"][1]["signed_ents"]
    lanshan = next(u for u in doc["units"] if u["code"] == "371302")
    assert wb["兰山区"][cell_of("single", "filed_copies")].value == lanshan["lines"][0]["filed_copies"]
    data = list(wb["数据"].values)
    assert data[0][:2] == ("单位代码", "单位") and len(data) == 1 + len(doc["units"])
    assert data[1][1] == doc["units"][0]["name"]


def test_exp007_csv_has_a_bom_and_every_unit(doc):
    raw = export(doc, "csv")
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    headers, body = rows[0], rows[1:]
    assert headers[:2] == ["单位代码", "单位"] and len(body) == len(doc["units"])
    col = headers.index("签订合同覆盖企业数")
    assert [int(r[col]) for r in body] == [u["signed_ents"] for u in doc["units"]]
    assert {r[1] for r in body if r[headers.index("是否落后")] == "是"} == {x["name"] for x in doc["lagging"]}


def test_exp008_content_table_keeps_off_map_units(doc):
    headers, rows = content.unit_table(doc)
    assert len(rows) == 23 and headers[0] == "单位"
    assert any(r[0] == "临沂临港经济开发区" and r[2] == "尚未报送" for r in rows)


def _create_body(app, title: str) -> str:
    import json

    from dashboard import ids

    key = next(k for k in app.callback_map if ids.SN_CREATE in json.dumps(app.callback_map[k]["inputs"]))
    cb = app.callback_map[key]
    values = {f"{ids.SN_CREATE}.n_clicks": 1, f"{ids.SN_TITLE}.value": title, f"{ids.SN_NOTE}.value": "",
              f"{ids.SN_FILTERS}.data": {"campaign": None, "date": "2017-05-31", "metric": "pace"}}
    outputs = [{"id": o.component_id, "property": o.component_property.split("@")[0]} for o in cb["output"]]

    def fill(deps):
        return [{**d, "value": values.get(f"{d['id']}.{d['property']}")} for d in deps]

    return json.dumps({"output": key, "outputs": outputs, "inputs": fill(cb["inputs"]), "state": fill(cb["state"]),
                       "changedPropIds": [f"{ids.SN_CREATE}.n_clicks"]})


def test_exp009_only_leaders_and_admins_take_snapshots(tmp_path):
    from sqlalchemy import select

    from db.models import AuditEvent
    from db.models.snapshots import Snapshot
    from tests.http_helpers import demo_app, login, post_callback

    app = demo_app(tmp_path)
    engine = app.server.extensions["jizhong_engine"]
    reporter = app.server.test_client()
    login(reporter, "demo-lanshan")
    assert post_callback(reporter, _create_body(app, "伪造")).status_code == 403
    leader = app.server.test_client()
    login(leader, "demo-leader")
    r = post_callback(leader, _create_body(app, "领导的快照"))
    assert r.status_code == 200 and "已生成快照" in r.get_data(as_text=True)
    with read_session(engine) as s:
        titles = list(s.scalars(select(Snapshot.title)))
        forbidden = list(s.scalars(select(AuditEvent.actor).where(AuditEvent.action == "forbidden")))
    # the demo's two meeting snapshots (db/demo/snapshots.py) and the leader's; none by the reporter
    assert sorted(titles) == ["5月19日调度会", "5月31日总结会", "领导的快照"] and forbidden == ["demo-lanshan"]


def test_exp010_listing_follows_snapshots_taken_elsewhere(tmp_path):
    """A snapshot taken by the CLI or another leader appears on an open /snapshots page at the next data poll."""
    import json

    from dashboard import ids
    from db import snapshots
    from tests.http_helpers import demo_app, login, post_callback

    app = demo_app(tmp_path)
    engine = app.server.extensions["jizhong_engine"]
    key = next(k for k in app.callback_map if f"{ids.SN_COMPARE_A}.options" in k)
    body = json.dumps({"output": key, "outputs": [{"id": i, "property": p} for i, p in
                                                  ((ids.SN_LIST, "children"), (ids.SN_COMPARE_A, "options"),
                                                   (ids.SN_COMPARE_B, "options"))],
                       "inputs": [{"id": ids.DATA_VERSION, "property": "data", "value": "x"}], "state": [],
                       "changedPropIds": [f"{ids.DATA_VERSION}.data"]})
    with read_session(engine) as s:
        campaign_id, as_of = snapshots.default_view(s)
    with write_session(engine) as s:
        snapshots.create(s, campaign_id=campaign_id, as_of=as_of, metric="ent_coverage", title="命令行快照",
                         actor="cli:root")
    leader = app.server.test_client()
    login(leader, "demo-leader")
    r = post_callback(leader, body)
    assert r.status_code == 200
    response = r.get_json()["response"]
    labels_a = [o["label"] for o in response[ids.SN_COMPARE_A]["options"]]
    assert labels_a[0].startswith("3 · 命令行快照") and len(labels_a) == 3
    assert "命令行快照" in json.dumps(response[ids.SN_LIST]["children"], ensure_ascii=False)


HOSTILE = ['=HYPERLINK("http://x","点我")', "@SUM(1)", "+1", "-1+2"]


@pytest.fixture(scope="module")
def hostile_doc(doc):
    """The demo snapshot with formula-like text in every free-text field an export writes."""
    import copy

    d = copy.deepcopy(doc)
    for unit, text in zip(d["units"], HOSTILE, strict=False):
        unit["leader"], unit["filled_by"], unit["name"] = text, text, text + "区"
        unit["last_report_date"] = unit.get("last_report_date") or "2017-05-31"
    d["units"][0]["signed_ents"] = -3  # a negative number is a number, not a formula
    d["title"], d["note"] = HOSTILE[0], HOSTILE[1]
    d["filters"]["campaign_name"] = HOSTILE[2]
    d["lagging"] = [{"code": d["units"][0]["code"], "name": d["units"][0]["name"],
                     "reasons": [{"text": HOSTILE[3]}]}]
    return d


def test_exp011_csv_neutralises_formula_text(hostile_doc):
    raw = export(hostile_doc, "csv")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    headers, body = rows[0], rows[1:]
    name, reasons = headers.index("单位"), headers.index("落后原因")
    assert [r[name] for r in body[:4]] == ["'" + t + "区" for t in HOSTILE]
    assert body[0][reasons] == "'-1+2"
    live = [c for row in rows for c in row if c.startswith(("=", "+", "-", "@", "\t", "\r"))
            and not re.fullmatch(r"-[0-9.]+", c)]
    assert live == []
    assert body[0][headers.index("签订合同覆盖企业数")] == "-3"  # numbers stay numbers


def test_exp012_xlsx_neutralises_formula_text_in_every_sheet(hostile_doc):
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(export(hostile_doc, "xlsx")))
    formulas = [(ws.title, c.coordinate, c.value) for ws in wb for row in ws.iter_rows() for c in row
                if c.data_type == "f"]
    assert formulas == []
    texts = {c.value for ws in wb for row in ws.iter_rows() for c in row if c.data_type == "s"}
    for text in HOSTILE:
        assert "'" + text in texts and text not in texts
    data = wb["数据"]
    headers = [c.value for c in data[1]]
    signed = data.cell(2, headers.index("签订合同覆盖企业数") + 1)
    assert signed.value == -3 and signed.data_type == "n"
    assert data.cell(2, 2).value == "'" + HOSTILE[0] + "区" and data.cell(2, 2).data_type == "s"


def test_exp013_template_neutralises_formula_text():
    from openpyxl import load_workbook

    from db.submission.xlsx_template import workbook_bytes

    ws = load_workbook(io.BytesIO(workbook_bytes(unit_name="=1+1", figures=None, leader=HOSTILE[0], filled_by="@SUM(1)",
                                                 editable=False))).active
    texts = {c.value: c.data_type for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    assert texts.get("'" + HOSTILE[0]) == "s" and texts.get("'@SUM(1)") == "s"
    assert not any(t == "f" for t in texts.values())


def test_exp014_csv_rates_as_the_page_writes_them(doc):
    """No raw floats (0.9095…): a rate is "90.9%" (one decimal, half-up, domain.format.pct), a count an integer."""
    raw = export(doc, "csv").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(raw)))
    headers, body = rows[0], rows[1:]
    assert not re.search(r"\d\.\d{3,}", raw)
    keys = [k for k, _ in content.FLAT_COLUMNS]
    for unit, row in zip(doc["units"], body, strict=True):
        for key, value in zip(keys, row, strict=True):
            if key in content.RATE_KEYS:
                assert value == ("" if unit[key] is None else pct(unit[key])), (unit["name"], key)
            elif key in ("baseline_ents", "offer_copies", "signed_workers", "filed_ents"):
                assert value == str(unit[key]) and re.fullmatch(r"\d+", value)
    lanling = next(r for r in body if r[1] == "兰陵县")
    assert lanling[headers.index("备案率")] == "31.0%"


def test_exp015_csv_rounds_half_up():
    from dashboard.exports import csv as csv_export

    assert csv_export.field("filing_rate", 0.6325) == "63.3%"  # not banker's 63.2%
    assert csv_export.field("filing_rate", None) == ""
    assert csv_export.field("signed_ents", 12.5) == 13
    assert csv_export.field("name", "=1+1") == "'=1+1"


@needs_browser
def test_exp016_pptx_axes_composition_colours_numbers_and_sizes(doc, pptx_bytes):
    from pptx import Presentation
    from pptx.oxml.ns import qn
    from pptx.util import Pt

    from dashboard import theme
    from dashboard.exports import pptx as pptx_export

    prs = Presentation(io.BytesIO(pptx_bytes))
    charts = [sh.chart for slide in prs.slides for sh in slide.shapes if sh.has_chart]
    # Rate axes are percentages, capped just above the data (not 0-1.2 written as fractions).
    line = next(c for c in charts if "LINE" in str(c.chart_type))
    assert line.value_axis.tick_labels.number_format == "0%"
    assert line.value_axis.minimum_scale == 0 and 1.0 <= line.value_axis.maximum_scale <= 1.4
    date_axis = line.category_axis._element
    assert date_axis.tag == qn("c:dateAx")
    assert date_axis.find(qn("c:majorUnit")).get("val") == "7"  # a tick a week, not one per report date
    assert line.category_axis.tick_labels.number_format == pptx_export.DATE_FORMAT
    bar = next(c for c in charts if "BAR_CLUSTERED" in str(c.chart_type))
    assert bar.value_axis.tick_labels.number_format == "0%" and bar.value_axis.maximum_scale == 1.0
    # Lagging bars in the web's lagging colour.
    lag = {x["name"] for x in doc["lagging"]}
    categories = list(bar.plots[0].categories)
    dpts = bar.plots[0].series[0]._element.findall(qn("c:dPt"))
    painted = {categories[int(d.find(qn("c:idx")).get("val"))]: d.find(".//" + qn("a:srgbClr")).get("val") for d in dpts}
    assert set(painted) == lag & set(categories)
    assert set(painted.values()) == {theme.LAGGING.lstrip("#").upper()}
    # The composition as native stacked bars: one series per line kind, values from the snapshot.
    stacked = [c for c in charts if "BAR_STACKED" in str(c.chart_type)]
    assert len(stacked) == 2
    ents = stacked[0].plots[0]
    assert [s.name for s in ents.series] == ["单独开展企业", "区域", "行业"]
    by_kind = {line["kind"]: line for line in doc["lines"]}
    assert list(ents.series[1].values) == [by_kind["regional"][f"{s}_ents"] for s in ("filed", "signed", "offer")]
    # Every slide numbered; no text under 12 pt, body text 14 pt or more; chart text 12 pt or more.
    total = len(prs.slides)
    for n, slide in enumerate(prs.slides, start=1):
        texts = [sh.text_frame.text for sh in slide.shapes if sh.has_text_frame]
        assert f"第 {n} 页 / 共 {total} 页" in texts
        for sh in slide.shapes:
            frames = [sh.text_frame] if sh.has_text_frame else (
                [c.text_frame for row in sh.table.rows for c in row.cells] if sh.has_table else [])
            for frame in frames:
                for p in frame.paragraphs:
                    for r in p.runs:
                        assert r.font.size is None or r.font.size >= Pt(12), (n, r.text)
    small = {r.text for slide in prs.slides for sh in slide.shapes if sh.has_text_frame
             for p in sh.text_frame.paragraphs for r in p.runs if r.font.size and r.font.size < Pt(14)}
    assert all(t.startswith("第 ") or content.STAMP in t or t in ("橙色为落后单位",) for t in small), small
    assert all(c.font.size >= Pt(12) for c in charts)


def test_exp017_snapshots_freeze_last_years_figures_for_the_tiles(doc, pdf_bytes, pptx_bytes):
    """同期 in the exports: the demo's 2016 campaign on the same day (5月31日). By hand: 发出要约书 2,662
    now against 2,252 then is +18.2% (410 / 2,252 = 0.18206)."""
    from pptx import Presentation

    last = doc["kpis"]["last_year"]
    assert last["date"] == "2016-05-31" and "2016" in last["campaign_name"]
    assert (doc["kpis"]["now"]["offer_copies"], last["figures"]["offer_copies"]) == (2662, 2252)
    tiles = {t["key"]: t for t in content.kpis(doc)}
    assert tiles["offer_copies"]["last_year"] == "同期（2016年5月31日）2,252 份，+18.2%"
    assert all(t["last_year"].startswith("同期（2016年5月31日）") for t in tiles.values())
    assert "同期（2016年5月31日）2,252份" in _text(pdf_bytes).replace(" ", "").replace("\n", "")
    # The deck: a slide of its own after the cover, one row per tile, 14 pt like every body text.
    slide = Presentation(io.BytesIO(pptx_bytes)).slides[1]
    title = " ".join(sh.text_frame.text for sh in slide.shapes if sh.has_text_frame)
    assert "与去年同期比较" in title and "2016年5月31日" in title
    table = next(sh.table for sh in slide.shapes if sh.has_table)
    cells = [[c.text_frame.text for c in row.cells] for row in table.rows]
    assert cells[0] == ["指标", "本期（2017年5月31日）", "同期（2016年5月31日）", "变化"]
    assert cells[1] == ["发出要约书", "2,662 份", "2,252 份", "+18.2%"] and len(cells) == 8
    # A snapshot taken before snapshots kept last year's figures: no 同期 line, nothing else changes.
    older = {**doc, "kpis": {k: v for k, v in doc["kpis"].items() if k != "last_year"}}
    assert [t["last_year"] for t in content.kpis(older)] == [""] * 7
    assert [t["value"] for t in content.kpis(older)] == [t["value"] for t in tiles.values()]
