"""The tiers of the unit hierarchy 全国 → 省 → 市 → 县区, and the rule that keeps a tree consistent.

Pure Python. The tree itself lives in the `unit` table (parent_id, level); db/hierarchy.py rolls
figures up it in SQL. An off-map unit (开发区, 市直系统 …) takes the tier below the area it is
attached to, so "the children of an area" are always one kind of row, on the map or not.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

LEVELS: tuple[str, ...] = ("nation", "province", "city", "county")  # top to bottom
LEVEL_LABELS: dict[str, str] = {"nation": "全国", "province": "省级", "city": "市级", "county": "县级"}
# What an area's whole is called, by its tier ("低于全省 5 个百分点", "全省合计"); a city installation's root is "全市".
WHOLE_WORDS: dict[str, str] = {"nation": "全国", "province": "全省", "city": "全市"}
# What the children of an area of each tier are called on screen.
CHILD_LABELS: dict[str, str] = {"nation": "省", "province": "市", "city": "县区"}
DEFAULT_LEVEL = "county"  # a unit of a one-city installation (the city is the implicit root)


def level_from_label(text: str) -> str | None:
    """'province', '省级' or '省' -> 'province'; None if it names no tier."""
    text = (text or "").strip()
    if text in LEVELS:
        return text
    for level, label in LEVEL_LABELS.items():
        if text in (label, label.rstrip("级"), CHILD_LABELS.get(_above(level), "")):
            return level
    return {"国家": "nation", "县区": "county", "区县": "county", "县": "county"}.get(text)


def _above(level: str) -> str:
    i = LEVELS.index(level)
    return LEVELS[i - 1] if i else ""


def resolve_levels(specs: Mapping[str, tuple[str | None, str | None]], stored: Mapping[str, str]) -> dict[str, str]:
    """Every unit's tier: given, else stored, else the tier below its parent's (县级 under a 县级
    unit), else 县级.
    `specs` maps code -> (parent code, tier or None); `stored` maps stored codes to their tiers."""
    out = dict(stored)
    out.update({code: level for code, (_, level) in specs.items() if level})

    def find(code: str, depth: int = 0) -> str:
        if code in out:
            return out[code]
        parent = specs.get(code, (None, None))[0]
        if parent is None or depth > len(specs) or (parent not in out and parent not in specs):
            return DEFAULT_LEVEL
        above = find(parent, depth + 1)
        return child_level(above) or above  # under a county-level unit: county-level too

    for code in specs:
        out[code] = find(code)
    return out


def child_level(level: str) -> str | None:
    """The tier below `level` (None below 县级)."""
    i = LEVELS.index(level)
    return LEVELS[i + 1] if i + 1 < len(LEVELS) else None


def may_sit_under(child: str, parent: str, *, on_map: bool) -> bool:
    """True if a unit of tier `child` may sit under one of tier `parent`. A unit on the map (with an
    adcode) is strictly lower (省直管县 and a municipality's districts skip a tier); an off-map unit
    may also share its parent's tier (a 综合保税区 under a 开发区, both county-level)."""
    below, above = LEVELS.index(child), LEVELS.index(parent)
    return below > above or (below == above and not on_map)


def tree_problems(parents: Mapping[str, str | None], levels: Mapping[str, str],
                  on_map: Collection[str] = ()) -> dict[str, str]:
    """Per unit code, what is wrong with its place in the tree (Chinese, to follow the name of the
    parent field), over the whole merged tree: an unknown parent, a cycle, or a parent that is not
    at a higher tier. `parents` maps every code to its parent code (None: a root); `levels` maps
    codes to tiers; `on_map` holds the codes of units with an adcode."""
    problems: dict[str, str] = {}
    for code, parent in parents.items():
        if parent is None:
            continue
        if parent not in parents:
            problems[code] = f"{parent} 既不在文件中，也不是已有单位"
            continue
        node, seen = parent, {code}
        while node is not None and node not in seen:
            seen.add(node)
            node = parents.get(node)
        if node is not None and node == code:
            problems[code] = f"形成循环：{code} 最终成为自己的上级"
            continue
        mine, theirs = levels.get(code, DEFAULT_LEVEL), levels.get(parent, DEFAULT_LEVEL)
        if not may_sit_under(mine, theirs, on_map=code in on_map):
            problems[code] = (f"{parent} 是{LEVEL_LABELS[theirs]}单位，{code} 是{LEVEL_LABELS[mine]}单位，"
                              "不能隶属于它（有行政区划代码的下级须低于上级一级以上，其他单位不得高于上级）")
    return problems
