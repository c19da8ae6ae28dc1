"""Exports of an area's snapshot (issue 13, item 7): the spreadsheet of a province, CSV/PPTX/PDF listing its
children, on the hand-computed tree (tests/db/hierarchy/test_rollups.py) and on the 山东省 scale demo."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from dashboard.exports import content, export
from dashboard.exports import pdf as pdf_export
from db import hierarchy, snapshots
from db.demo.scale import build_scale_demo
from db.engine import make_engine, read_session, write_session
from db.migrate import upgrade
from tests.dashboard.exports.test_rendered import assert_full, needs_browser, needs_poppler, pages_png
from tests.db.hierarchy.test_rollups import AS_OF, tree  # noqa: F401 - the fixture
from tests.http_helpers import prepared_boundaries

INVALID = set("[]:*?/\\")


@pytest.fixture
def p1_doc(tree):  # noqa: F811
    engine, cid, ids = tree
    with read_session(engine) as s:
        doc = snapshots.freeze(s, cid, AS_OF, "ent_coverage", title="甲省调度会", created_by="leader",
                               area_id=ids["P1"])
    doc["id"] = 7
    return doc


@pytest.fixture(scope="module", autouse=True)
def boundaries(tmp_path_factory):
    with prepared_boundaries(tmp_path_factory.mktemp("geo"), ["370000", "371300"]):
        yield


@pytest.fixture(scope="module")
def shandong(tmp_path_factory):
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('province') / 'db.sqlite'}")
    upgrade(engine)
    build_scale_demo(engine, "province")
    with write_session(engine) as s:
        area = hierarchy.area(s, "370000")
        cid, as_of = snapshots.default_view(s)
        sid = snapshots.create(s, campaign_id=cid, as_of=as_of, metric="ent_coverage", title="全省调度会",
                               actor="demo-shandong", area_id=area.id).id
    with read_session(engine) as s:
        doc = snapshots.get(s, sid)
        totals = hierarchy.area_totals(s, cid, as_of, area.id)
        linyi = hierarchy.area(s, "371300")
        linyi_kids = hierarchy.child_metrics(s, cid, as_of, linyi.id)
    engine.dispose()
    return doc, totals, linyi_kids


def _rows(ws) -> list[tuple]:
    return list(ws.iter_rows(values_only=True))


def test_axl001_province_workbook_by_hand(p1_doc):
    wb = load_workbook(io.BytesIO(export(p1_doc, "xlsx")))
    assert wb.sheetnames == ["全省合计", "各市汇总", "子市", "丑市", "全部县区", "快照信息"]
    summary = _rows(wb["各市汇总"])
    head = summary[0]
    col = {h: i for i, h in enumerate(head)}
    assert [r[col["单位"]] for r in summary[1:]] == ["子市", "丑市", "全省合计"]
    zishi, choushi, total = summary[1:]
    assert (zishi[col["签订合同覆盖企业数"]], zishi[col["单位数"]], zishi[col["已报送单位数"]]) == (76, 3, 3)
    assert (choushi[col["签订合同覆盖企业数"]], choushi[col["已报送单位数"]], choushi[col["是否落后"]]) == (0, 0, "是")
    assert (total[col["签订合同覆盖企业数"]], total[col["单位数"]], total[col["辖区企业数"]]) == (76, 4, 450)
    # 企业覆盖率 of 子市 = 76 / 350, a number with a percent format
    assert zishi[col["企业覆盖率"]] == pytest.approx(76 / 350)
    assert wb["各市汇总"].cell(2, col["企业覆盖率"] + 1).number_format == "0.0%"
    city = _rows(wb["子市"])
    assert [r[1] for r in city[1:]] == ["一县", "二县", "子市开发区", "子市合计"]
    assert [r[col["签订合同覆盖职工数"]] for r in city[1:]] == [1200, 400, 500, 2100]
    assert [r[1] for r in _rows(wb["丑市"])[1:]] == ["三县", "丑市合计"]
    flat = _rows(wb["全部县区"])
    assert flat[0][:4] == ("省", "市", "单位代码", "单位")
    assert [r[:4] for r in flat[1:]] == [("甲省", "子市", "K1", "一县"), ("甲省", "子市", "K2", "二县"),
                                         ("甲省", "子市", "D1", "子市开发区"), ("甲省", "丑市", "K3", "三县")]
    fcol = {h: i for i, h in enumerate(flat[0])}
    assert [r[fcol["发出要约书份数"]] for r in flat[1:]] == [6, 4, 1, 0]
    assert flat[1][fcol["最近报送日期"]].date().isoformat() == "2017-04-14" and flat[4][fcol["最近报送日期"]] is None
    info = dict(_rows(wb["快照信息"]))
    assert info["区域"] == "全国 › 甲省"


def test_axl002_province_csv_lists_its_cities(p1_doc):
    rows = list(csv.reader(io.StringIO(export(p1_doc, "csv").decode("utf-8-sig"))))
    assert [r[1] for r in rows[1:]] == ["子市", "丑市"]
    assert content.city_row(p1_doc)[0] == "全省合计"
    assert "全省" in content.summary_lines(p1_doc)[1]
    assert content.campaign_line(p1_doc) == "测试行动 · 全国 › 甲省"


def test_axl003_shandong_workbook(shandong):
    doc, totals, linyi_kids = shandong
    wb = load_workbook(io.BytesIO(export(doc, "xlsx")))
    cities = [u["name"] for u in doc["units"] if u.get("children")]
    assert len(cities) == 16 and "临沂市" in cities
    assert wb.sheetnames == ["全省合计", "各市汇总", *cities, "全部县区", "快照信息"]
    for name in wb.sheetnames:
        assert len(name) <= 31 and not INVALID & set(name), name
    summary = _rows(wb["各市汇总"])
    col = {h: i for i, h in enumerate(summary[0])}
    assert len(summary) == 1 + len(doc["units"]) + 1  # header, one row per child, 全省合计
    assert summary[-1][col["签订合同覆盖企业数"]] == totals["signed_ents"]
    assert sum(r[col["签订合同覆盖企业数"]] for r in summary[1:-1]) == totals["signed_ents"]
    linyi = _rows(wb["临沂市"])
    assert [r[col["单位代码"]] for r in linyi[1:-1]] == list(linyi_kids["code"])
    assert linyi[-1][col["签订合同覆盖企业数"]] == int(linyi_kids["signed_ents"].sum())
    flat = _rows(wb["全部县区"])
    fcol = {h: i for i, h in enumerate(flat[0])}
    assert len(flat) - 1 == len(doc["leaves"]) == totals["units"]
    counties = [r for r in flat[1:] if r[fcol["类别"]] == "县区"]
    assert len(counties) == 136
    assert {r[fcol["省"]] for r in flat[1:]} == {"山东省"}
    assert sum(r[fcol["签订合同覆盖企业数"]] for r in flat[1:]) == totals["signed_ents"]
    lanshan = next(r for r in flat[1:] if r[fcol["单位代码"]] == "371302")
    assert (lanshan[fcol["市"]], lanshan[fcol["单位"]]) == ("临沂市", "兰山区")


def test_axl004_shandong_map_shows_its_cities(shandong):
    doc, _, _ = shandong
    fig = content.map_figure_of(doc, 900, 600)
    shapes = content.children_geojson(doc)
    assert len(shapes["features"]) == 16
    assert {f["properties"]["name"] for f in shapes["features"]} >= {"济南市", "临沂市", "菏泽市"}
    x0, x1 = fig["layout"]["xaxis"]["range"]  # a province (山东: 114.8°–122.7° E), not a city nor China
    assert 112 < x0 < 115 and 122 < x1 < 130 and x1 - x0 < 15
    names = next(t for t in fig["data"] if t.get("mode") == "text")
    assert {"济南市", "临沂市", "菏泽市"} <= set(names["text"])


@needs_browser
@needs_poppler
def test_axl005_shandong_pdf_renders(shandong, tmp_path):
    from pypdf import PdfReader

    doc, _, _ = shandong
    data = export(doc, "pdf")
    expected = pdf_export.pages(doc, {})
    paths = pages_png(data, tmp_path)
    assert len(paths) == len(expected) >= 6
    assert_full(paths[:2])  # the cover and the map of the cities
    text = "".join(PdfReader(io.BytesIO(data)).pages[0].extract_text().split())
    assert content.campaign_line(doc).replace(" ", "") in text and "全省签约覆盖企业" in text
    table = "".join("".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(data)).pages)
    assert "济南市" in table and "全省合计" in table


@needs_browser
def test_axl006_shandong_slides_list_the_cities(shandong):
    from pptx import Presentation

    doc, _, _ = shandong
    deck = Presentation(io.BytesIO(export(doc, "pptx")))
    text = " ".join(shape.text_frame.text for slide in deck.slides for shape in slide.shapes
                    if shape.has_text_frame)
    tables = " ".join(cell.text for slide in deck.slides for shape in slide.shapes if shape.has_table
                      for row in shape.table.rows for cell in row.cells)
    assert content.campaign_line(doc) in text
    assert all(city in tables for city in ("济南市", "临沂市", "菏泽市", "全省合计"))
    assert "兰山区" not in tables  # the children (cities), not the counties
