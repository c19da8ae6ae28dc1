"""The tiers of the unit hierarchy 全国 → 省 → 市 → 县区, and the rule that keeps a tree consistent.

Pure Python. The tree itself lives in the `unit` table (parent_id, level); db/hierarchy.py rolls
figures up it in SQL. An off-map unit (开发区, 市直系统 …) takes the tier below the area it is
attached to, so "the children of an area" are always one kind of row, on the map or not.
"""

from __future__ import annotations

from collections.abc import Mapping

LEVELS: tuple[str, ...] = ("nation", "province", "city", "county")  # top to bottom
LEVEL_LABELS: dict[str, str] = {"nation": "全国", "province": "省级", "city": "市级", "county": "县级"}
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


def child_level(level: str) -> str | None:
    """The tier below `level` (None below 县级)."""
    i = LEVELS.index(level)
    return LEVELS[i + 1] if i + 1 < len(LEVELS) else None


def is_below(child: str, parent: str) -> bool:
    """True if a unit of tier `child` may sit under one of tier `parent` (strictly lower; 省直管县
    and a municipality's districts skip a tier)."""
    return LEVELS.index(child) > LEVELS.index(parent)


def tree_problems(parents: Mapping[str, str | None], levels: Mapping[str, str]) -> dict[str, str]:
    """Per unit code, what is wrong with its place in the tree (Chinese), over the whole merged
    tree: an unknown parent, a cycle, or a parent that is not at a higher tier. `parents` maps every
    code to its parent code (None: a root); `levels` maps codes to tiers."""
    problems: dict[str, str] = {}
    for code, parent in parents.items():
        if parent is None:
            continue
        if parent not in parents:
            problems[code] = f"上级 {parent} 既不在文件中，也不是已有单位"
            continue
        node, seen = parent, {code}
        while node is not None and node not in seen:
            seen.add(node)
            node = parents.get(node)
        if node is not None and node == code:
            problems[code] = f"形成循环：{code} 最终成为自己的上级"
            continue
        mine, theirs = levels.get(code, DEFAULT_LEVEL), levels.get(parent, DEFAULT_LEVEL)
        if not is_below(mine, theirs):
            problems[code] = (f"层级为{LEVEL_LABELS[mine]}，不能隶属于{LEVEL_LABELS[theirs]}单位 {parent}"
                              "（下级的层级须低于上级）")
    return problems
