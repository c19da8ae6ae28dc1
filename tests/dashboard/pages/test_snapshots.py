"""The compare view's per-unit table: every header names the figure in the cell beneath it."""

from __future__ import annotations

from dashboard.pages.snapshots import compare_view
from db.snapshots import COMPARED


def _doc(title: str, as_of: str, figures: dict) -> dict:
    unit = {"code": "KF04", "name": "蒙山旅游区", **figures}
    return {"title": title, "filters": {"as_of": as_of}, "units": [unit], "lagging": [],
            "kpis": {"now": {k: None for k, _, _ in COMPARED}}}


def _find(node, cls: str):
    if getattr(node, "className", None) and cls in node.className.split():
        return node
    children = getattr(node, "children", None)
    for child in children if isinstance(children, list) else [children] if children is not None else []:
        found = _find(child, cls)
        if found is not None:
            return found
    return None


def test_snc001_unit_columns_match_their_headers():
    # 蒙山旅游区 between the demo's two meetings: signed enterprises +32, 备案率 −4.9, 企业覆盖率 +12.3 points.
    before = {"offer_copies": 21, "signed_copies": 17, "signed_ents": 100, "signed_workers": 4622, "filed_copies": 15,
              "sign_rate": 17 / 21, "filing_rate": 15 / 17, "ent_coverage": 100 / 260, "worker_coverage": 0.5}
    after = {**before, "signed_copies": 18, "signed_ents": 132, "signed_workers": 5759, "filing_rate": 15 / 18,
             "ent_coverage": 132 / 260}
    table = _find(compare_view(_doc("5月19日", "2017-05-19", before), _doc("5月31日", "2017-05-31", after)),
                  "sn-compare-units")
    thead, tbody = table.children
    headers = [th.children for th in thead.children.children]
    cells = [td.children for td in tbody.children[0].children]
    row = dict(zip(headers, cells, strict=True))
    assert row["单位"] == "蒙山旅游区"
    assert row["签订合同覆盖企业数变化"].startswith("+32")
    assert row["企业覆盖率变化"].startswith("+12.3")
    assert row["备案率变化"].startswith("-4.9") or row["备案率变化"].startswith("−4.9")
