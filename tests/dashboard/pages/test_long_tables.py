"""The 典型 targets and the 6月10日 summaries at any size: one virtualised grid each (the page's component
count does not grow with the units), rows worked out by hand, sentences that name at most 30 units."""

from __future__ import annotations

import datetime as dt

from dash_ag_grid import AgGrid

from dashboard.pages import cases, summaries
from db.cases.typical import target_rows
from domain.format import name_list

D = dt.date


def _components(tree) -> int:
    children = getattr(tree, "children", None)
    inner = children if isinstance(children, list) else [children]
    return 1 + sum(_components(c) for c in inner if c is not None and not isinstance(c, str | int | float))


def test_lt001_target_rows_by_hand():
    counts = {
        "A": {"total": 0, "new": 0, "city_level": 0, "target": 2, "gap": 2},  # nothing yet
        "B": {"total": 3, "new": 2, "city_level": 1, "target": 4, "gap": 2},  # half way
        "C": {"total": 5, "new": 4, "city_level": 0, "target": 3, "gap": 0},  # past the target
        "D": {"total": 1, "new": 0, "city_level": 0, "target": 0, "gap": 0},  # no target set
    }
    rows = cases.target_grid_rows(target_rows(counts, {"A": "甲县", "B": "乙县", "C": "丙县", "D": "丁县"}))
    by_id = {r["id"]: r for r in rows}
    assert (by_id["A"]["status"], by_id["A"]["progress"], by_id["A"]["warn"]) == ("无典型", 0, True)
    assert (by_id["B"]["status"], by_id["B"]["progress"], by_id["B"]["warn"]) == ("差 2 个", 50, True)
    assert (by_id["C"]["status"], by_id["C"]["progress"], by_id["C"]["warn"]) == ("已达目标", 100, False)
    assert (by_id["D"]["status"], by_id["D"]["progress"], by_id["D"]["target"]) == ("未设目标", None, None)
    assert by_id["B"]["unit"] == "[乙县](/district/B)" and by_id["B"]["city_level"] == 1


def test_lt002_summary_rows_by_hand():
    deadline, today = D(2017, 6, 10), D(2017, 6, 12)
    status = {"A": {"at": dt.datetime(2017, 6, 9, 10, 0)}, "B": {"at": dt.datetime(2017, 6, 11, 8, 30)}, "C": {"at": None}}
    files = {"A": [{"kind": "written", "name": "总结.docx", "url": "/files/1"},
                   {"kind": "media", "name": "仪式.jpg", "url": "/files/2"}]}
    rows = {r["id"]: r for r in summaries.status_rows(status, {"A": "甲", "B": "乙", "C": "丙"}, files, deadline, today)}
    assert (rows["A"]["state"], rows["A"]["at"], rows["A"]["warn"]) == ("已按时报送", "06-09 10:00", False)
    assert rows["A"]["written"] == r"[总结\.docx](/files/1)" and rows["A"]["media"] == r"[仪式\.jpg](/files/2)"  # md-escaped
    assert (rows["B"]["state"], rows["B"]["warn"]) == ("逾期报送", True)
    assert (rows["C"]["state"], rows["C"]["at"], rows["C"]["written"], rows["C"]["warn"]) == ("逾期未报送", "—", "—", True)


def test_lt003_one_grid_whatever_the_size():
    for n in (23, 3208):
        codes = [f"U{i:04d}" for i in range(n)]
        counts = {c: {"total": 0, "new": 0, "city_level": 0, "target": 1, "gap": 1} for c in codes}
        grid = cases.target_table(target_rows(counts, {c: c for c in codes}))
        assert isinstance(grid, AgGrid) and len(grid.rowData) == n and _components(grid) == 1
        status = {c: {"at": None} for c in codes}
        table = summaries.status_table(status, {c: c for c in codes}, {}, D(2017, 6, 10), D(2017, 6, 1))
        assert isinstance(table, AgGrid) and len(table.rowData) == n and _components(table) == 1


def test_lt004_a_sentence_names_at_most_30_units():
    assert name_list(["甲", "乙", "丙"]) == "甲、乙、丙"
    names = [f"县{i}" for i in range(170)]
    text = name_list(names)
    assert text.startswith("县0、县1、") and text.endswith("县29 … 等 170 个单位（见下表）")
    assert "县30" not in text


def test_lt005_staffing_rows_and_an_honest_sentence():
    from dashboard.pages import instructors

    units = [{"code": c, "name": n} for c, n in (("A", "甲县"), ("B", "乙县"), ("C", "丙县"))]
    staffing = {"A": {"required": 3, "staffed": 1}, "B": {"required": None, "staffed": 2},
                "C": {"required": None, "staffed": 0}}
    rows = {r["id"]: r for r in instructors.staffing_rows(units, staffing)}
    assert set(rows) == {"A", "B"}  # 丙县: no quota, nobody on the roster
    assert (rows["A"]["state"], rows["A"]["short"]) == ("缺 2 人", True)
    assert (rows["B"]["required"], rows["B"]["state"], rows["B"]["short"]) == (None, "未定编", False)
    assert instructors.short_sentence(units, staffing).children == "尚未配齐：甲县（缺 2 人）"
    nobody = {c: {"required": None, "staffed": 0} for c in "ABC"}
    assert instructors.short_sentence(units, nobody).children == "尚未为任何单位设定应配专职指导员人数。"  # not 均已配齐
    full = {"A": {"required": 1, "staffed": 1}, "B": {"required": None, "staffed": 0}, "C": {"required": None, "staffed": 0}}
    assert instructors.short_sentence(units, full).children == "各单位专职指导员均已配齐。"
    many = [{"code": f"U{i}", "name": f"县{i}"} for i in range(3000)]
    grid = instructors.staffing_table(many, {u["code"]: {"required": 2, "staffed": 0} for u in many}, None)
    assert isinstance(grid, AgGrid) and len(grid.rowData) == 3000 and _components(grid) == 1
