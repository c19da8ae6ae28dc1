"""The unit admin keeps the hierarchy consistent: tiers, unknown parents, cycles, stranded children.

The 临沂 preset's 23 units are county-level roots (the city is the implicit root); importing
山东省 and 临沂市 above them turns the installation into a part of a bigger tree.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from db import hierarchy
from db.admin.common import AdminError
from db.admin.units import apply_import, parse_unit_file, plan_import, save_unit
from db.engine import read_session, write_session
from db.models import Unit

ABOVE = [
    {"code": "370000", "name": "山东省", "kind": "省", "adcode": "370000", "level": "省"},
    {"code": "371300", "name": "临沂市", "kind": "市", "adcode": "371300", "parent": "370000"},  # tier derived: 市
    {"code": "371302", "name": "兰山区", "kind": "县区", "adcode": "371302", "parent": "371300", "sort_order": 1},
    {"code": "KF01", "name": "临沂高新技术产业开发区", "kind": "开发区", "parent": "371300", "sort_order": 13},
]


def _specs(units: list[dict]):
    return parse_unit_file("units.json", json.dumps({"units": units}, ensure_ascii=False).encode())


def test_tree001_import_above_the_city_derives_tiers(preset_engine):
    with write_session(preset_engine) as s:
        plan = apply_import(s, _specs(ABOVE), filename="units.json", actor="boss")
    assert [x.code for x in plan.added] == ["370000", "371300"]
    assert {spec.code: diffs for spec, diffs in plan.changed} == {"371302": ["上级 （无） → 371300"],
                                                                 "KF01": ["上级 （无） → 371300"]}
    with read_session(preset_engine) as s:
        levels = dict(s.execute(select(Unit.code, Unit.level)).all())
        city = hierarchy.area(s, "371300")
        path = [a.name for a in hierarchy.ancestors(s, hierarchy.area(s, "371302").id)]
        kids = [a.code for a in hierarchy.children(s, city.id)]
    assert (levels["370000"], levels["371300"], levels["371302"], levels["KF01"]) == ("province", "city", "county",
                                                                                     "county")
    assert path == ["山东省", "临沂市", "兰山区"]
    assert kids == ["371302", "KF01"]


@pytest.mark.parametrize("units,message", [
    # A unit on the map must sit strictly below its parent.
    ([{"code": "371311", "name": "罗庄区", "kind": "县区", "adcode": "371311", "parent": "371302"}],
     "第 1 个单位（units[0]）“上级代码”371302 是县级单位，371311 是县级单位，不能隶属于它"),
    # Nothing sits above its parent.
    ([{"code": "P9", "name": "某省", "kind": "省", "level": "province", "parent": "371302"}],
     "“上级代码”371302 是县级单位，P9 是省级单位，不能隶属于它"),
    ([{"code": "X1", "name": "甲", "kind": "县区", "level": "乡镇"}], "“level”应为 全国、省级、市级、县级 之一或留空：乡镇"),
    ([{"code": "X1", "name": "甲", "kind": "县区", "parent": "X2"}, {"code": "X2", "name": "乙", "kind": "县区",
                                                                   "parent": "X1"}], "形成循环"),
])
def test_tree002_refusals_name_the_unit_in_chinese(preset_engine, units, message):
    with pytest.raises(AdminError) as err, read_session(preset_engine) as s:
        plan_import(s, _specs(units))
    assert message in err.value.message


def test_tree003_a_change_that_strands_children_is_refused(preset_engine):
    with write_session(preset_engine) as s:
        apply_import(s, _specs(ABOVE), filename="units.json", actor="boss")
    with read_session(preset_engine) as s:
        city_id = hierarchy.area(s, "371300").id
    with pytest.raises(AdminError) as err, write_session(preset_engine) as s:
        save_unit(s, city_id, {"code": "371300", "name": "临沂市", "kind": "市", "adcode": "371300",
                               "parent": "370000", "level": "县级"}, actor="boss")
    assert "已有单位 371302 的“上级代码”371300 是县级单位" in err.value.message
    # An edit from today's form (no tier field) keeps the tier.
    with write_session(preset_engine) as s:
        _, changes = save_unit(s, city_id, {"code": "371300", "name": "临沂市（新）", "kind": "市", "adcode": "371300",
                                            "parent": "370000"}, actor="boss")
    assert changes == ["名称 临沂市 → 临沂市（新）"]
    with pytest.raises(AdminError) as err, write_session(preset_engine) as s:
        save_unit(s, None, {"code": "X1", "name": "甲", "kind": "县区", "parent": "NOPE"}, actor="boss")
    assert "“上级代码”NOPE 既不在文件中，也不是已有单位" in err.value.message
