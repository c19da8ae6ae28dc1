"""The overview of an area (dashboard/pages/overview.py): which area a path shows, breadcrumbs,
drill-down targets, the store check of the callbacks, and the view of a province worked out by
hand, on the tiny tree of tests/db/hierarchy (全国 N › 甲省 P1 › 子市 C1 › 一县 K1 …).

By hand for 甲省 P1 as of 2017-04-20 (see tests/db/hierarchy/test_rollups.py):
  children C1 (子市: K1, K2, D1; 3 units, 3 reported) and C2 (丑市: K3; 1 unit, none reported)
  P1 = 11,87,2500  9,76,2100  5,53,1400; 4 units, 3 reported; baseline 450 enterprises, target 180
  ent_coverage C1 = 76 / 350, C2 = 0 / 100 (no report: None); KPI signed enterprises 76
"""

from __future__ import annotations

from types import SimpleNamespace

import flask
import pytest

from dashboard import scope
from dashboard.context import EXTENSION
from dashboard.data import resolve
from dashboard.pages import overview
from db.engine import read_session
from domain.measures import MEASURES
from tests.db.hierarchy.test_rollups import AS_OF, EXPECTED, tree  # noqa: F401  (the fixture)


@pytest.fixture
def viewer(monkeypatch):
    """as_(role, area_unit_id): who the scope checks see (dashboard/scope.py reads current_user)."""
    def as_(role: str = "leader", area: int | None = None):
        monkeypatch.setattr(scope, "current_user", SimpleNamespace(role=role, area_unit_id=area, unit_code=None))
    as_()
    return as_


@pytest.fixture
def app_ctx():
    with flask.Flask(__name__).app_context():
        yield


def test_area001_which_area_a_path_shows(tree, viewer):  # noqa: F811
    engine, _cid, ids = tree
    with read_session(engine) as s:
        found, nation = overview.find_area(s, None)
        assert found == "area" and (nation.id, nation.name, nation.adcode, nation.level) == (ids["N"], "全国", "100000",
                                                                                             "nation")
        assert overview.find_area(s, "110000")[1].id == ids["P1"]  # by adcode
        assert overview.find_area(s, "C3")[1].id == ids["C3"]  # by code
        assert overview.find_area(s, "110101") == ("unit", "K1")  # a unit without children: its county page
        assert overview.find_area(s, "999999") == ("missing", None)
        viewer("leader", ids["P2"])  # a provincial leader of 乙省
        assert overview.find_area(s, None)[1].id == ids["P2"]  # / is the top of the scope
        assert overview.find_area(s, "110000") == ("forbidden", None)
        assert overview.find_area(s, "100000") == ("forbidden", None)  # above the scope
        assert overview.find_area(s, "120100")[1].id == ids["C3"]


def test_area002_breadcrumbs_link_only_within_the_scope(tree, viewer):  # noqa: F811
    engine, _cid, ids = tree
    with read_session(engine) as s:
        c1 = overview.area_by_id(s, ids["C1"])
        assert overview.trail(s, c1, "?metric=sign_rate") == [
            ("全国", "/area/100000?metric=sign_rate"), ("甲省", "/area/110000?metric=sign_rate"),
            ("子市", "/area/110100?metric=sign_rate")]
        viewer("leader", ids["P1"])
        assert overview.trail(s, c1, "") == [("全国", None), ("甲省", "/area/110000"), ("子市", "/area/110100")]
        root = overview.area_by_id(s, None)
        assert overview.trail(s, root, "") == [("临沂市", None)]  # a city installation: the preset's city
    crumbs = overview.breadcrumbs([("全国", None), ("甲省", "/area/110000"), ("子市", "/area/110100")])
    kinds = [(type(c).__name__, c.children) for c in crumbs]
    assert kinds == [("Span", "全国"), ("Span", "›"), ("Link", "甲省"), ("Span", "›"), ("Span", "子市")]  # current: plain


def test_area003_drill_down_targets(tree):  # noqa: F811
    engine, _cid, _ids = tree
    with read_session(engine) as s:
        assert overview.drill_target(s, "P1", "?date=2017-04-20") == "/area/110000?date=2017-04-20"
        assert overview.drill_target(s, "110100", "") == "/area/110100"
        assert overview.drill_target(s, "K1", "?metric=sign_rate") == "/district/K1?metric=sign_rate"
        assert overview.drill_target(s, "S1", "") == "/district/S1"  # an off-map unit without children
        assert overview.drill_target(s, "nope", "") is None


@pytest.mark.parametrize("forged", ["1", True, -3, 0, 10**30, 1.5, [1], {"id": 1}])
def test_area004_a_forged_store_value_gets_nothing(tree, viewer, forged):  # noqa: F811
    engine, _cid, ids = tree
    with read_session(engine) as s:
        assert overview.area_for_callback(s, forged) is None
        assert overview.area_for_callback(s, 10**6) is None  # no such unit
        assert overview.area_for_callback(s, ids["K1"]) is None  # a unit, not an area
        assert overview.area_for_callback(s, ids["P1"]).name == "甲省"
        assert overview.area_for_callback(s, None).id is None  # the root, for an unbound viewer
        viewer("leader", ids["P2"])
        assert overview.area_for_callback(s, ids["P1"]) is None  # outside the scope
        assert overview.area_for_callback(s, None) is None  # above it
        assert overview.area_for_callback(s, ids["C3"]).name == "寅市"


def test_area005_province_view_by_hand(tree, viewer, app_ctx, monkeypatch):  # noqa: F811
    engine, cid, ids = tree
    flask.current_app.extensions[EXTENSION] = engine  # thresholds() reads the campaign's settings
    # The stored boundaries of 甲省's children hold 子市 only: 丑市 then goes to the off-map bar.
    shapes = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": "110100", "properties": {"adcode": "110100", "name": "子市"},
         "geometry": {"type": "MultiPolygon", "coordinates": [[[[116, 39], [117, 39], [117, 40], [116, 40], [116, 39]]]]}}]}
    monkeypatch.setattr(overview.geo_areas, "children_geojson", lambda adcode: shapes if adcode == "110000" else None)
    with read_session(engine) as s:
        p1 = overview.area_by_id(s, ids["P1"])
        ctx = resolve(s, cid, AS_OF)
        snap = overview.load(s, ctx, p1)
    assert list(snap.units["code"]) == ["C1", "C2"]
    assert list(snap.units["adcode"]) == ["110100", None]
    assert [int(snap.units.iloc[0][m]) for m in MEASURES] == EXPECTED["C1"][0]
    assert list(snap.units[["units", "units_reported"]].itertuples(index=False, name=None)) == [(3, 3), (1, 0)]
    assert [snap.city[m] for m in MEASURES] == EXPECTED["P1"][0]
    assert snap.city["target_ents"] == 180 and snap.city["ent_coverage"] == pytest.approx(76 / 450)
    assert set(snap.trend["code"]) == {"C1"}  # 丑市 never reported
    assert snap.trend.iloc[-1]["signed_ents"] == 76
    view = overview.data_view(ctx, snap, "ents", "")
    assert view["reported"] == "已报送 3 / 4 个单位"
    mv = overview.metric_view(ctx, snap.units, "ent_coverage", view["lag_codes"])
    values = {r["code"]: r["value"] for r in mv["rows"]}
    assert values["C1"] == pytest.approx(76 / 350) and values["C2"] is None
    geometry, url = overview.area_geojson(p1, snap.units)
    assert url == "/geo/area/110000.geojson" and [f["id"] for f in geometry["features"]] == ["110100"]
    fig = overview.map_figure.district_map(geometry, mv["rows"], mv["label"], mv["fmt"], mv["zmin"], mv["zmax"],
                                           geojson_url=url)
    assert fig["data"][0]["geojson"] == url and list(fig["data"][0]["locations"]) == ["110100"]


def _text(component) -> str:
    """Every string in a Dash component tree, joined."""
    if isinstance(component, str):
        return component
    if isinstance(component, (list, tuple)):
        return "".join(_text(c) for c in component)
    children = getattr(component, "children", None)
    return _text(children) if children is not None else ""


def _find(component, ident):
    if getattr(component, "id", None) == ident:
        return component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, (list, tuple)) else [children] if children is not None else []:
        hit = _find(child, ident)
        if hit is not None:
            return hit
    return None


def test_area006_pages_for_unknown_and_out_of_scope_areas(tree, viewer, app_ctx, monkeypatch):  # noqa: F811
    from dashboard import ids as component_ids
    from dashboard.pages import render

    engine, _cid, ids = tree
    flask.current_app.extensions[EXTENSION] = engine
    monkeypatch.setattr(overview.geo_areas, "children_geojson", lambda adcode: None)  # no shapes: all off-map
    monkeypatch.setattr(overview, "has_role", lambda *roles: True)  # the 生成快照 link (flask_login's user)
    missing = render("/area/999999", "")
    assert "未找到该地区" in _text(missing) and "area-missing" in missing.className
    shown = render("/area/110000", "?metric=sign_rate")  # 甲省, for an unbound leader
    assert _find(shown, component_ids.AREA).data == ids["P1"]
    assert "已报送 3 / 4 个单位" in _text(_find(shown, component_ids.AREA_REPORTED))
    viewer("leader", ids["P2"])
    denied = render("/area/110000", "")
    assert "forbidden" in denied.className and "未找到" not in _text(denied)
    assert _find(render("/", ""), component_ids.AREA).data == ids["P2"]
    viewer("leader", ids["K4"])  # bound to a unit without children: / is its county page
    assert _find(render("/", ""), component_ids.AREA) is None


def test_area007_a_units_page_has_breadcrumbs_too(tree, viewer):  # noqa: F811
    engine, _cid, ids = tree
    with read_session(engine) as s:
        assert overview.unit_trail(s, "K1", "?metric=sign_rate") == [
            ("全国", "/area/100000?metric=sign_rate"), ("甲省", "/area/110000?metric=sign_rate"),
            ("子市", "/area/110100?metric=sign_rate"), ("一县", None)]
        assert overview.unit_trail(s, "S1", "")[-2:] == [("乙省", "/area/120000"), ("乙省省直系统", None)]
        assert overview.unit_trail(s, "110101", "") == []  # codes only: the county page is /district/<code>
        assert overview.unit_trail(s, "nope", "") == []
        viewer("leader", ids["P1"])
        assert overview.unit_trail(s, "K1", "")[:2] == [("全国", None), ("甲省", "/area/110000")]


def test_area008_a_units_page_leads_back_to_its_own_area():
    from dashboard.pages.district import back_link

    trail = [("全国", "/area/100000?m=1"), ("甲省", "/area/110000?m=1"), ("子市", "/area/110100?m=1"), ("一县", None)]
    assert back_link(trail, "?m=1") == ("← 返回子市", "/area/110100?m=1")
    assert back_link([("临沂市", "/?m=1"), ("兰山区", None)], "?m=1") == ("← 返回临沂市", "/?m=1")
    assert back_link([("全国", None), ("一县", None)], "?m=1") == ("← 返回总览", "/?m=1")  # above the scope: no link
    assert back_link([], "") == ("← 返回总览", "/")
