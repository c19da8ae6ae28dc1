"""The shape of the notice's attachment 《工资集体协商"集中要约"行动情况统计表》.

Three rows (line kinds) times nine integer measures. Every entry path, the store, the
queries and the UI take names and labels from here, so the table is defined once.
"""

from __future__ import annotations

from typing import Final

# Row kinds, in the order the attachment prints them.
SINGLE: Final = "single"  # 单独开展企业
REGIONAL: Final = "regional"  # 区域
INDUSTRY: Final = "industry"  # 行业
LINE_KINDS: Final = (SINGLE, REGIONAL, INDUSTRY)
LINE_LABELS: Final = {SINGLE: "单独开展企业", REGIONAL: "区域", INDUSTRY: "行业"}

# Stages and what is counted at each stage.
STAGES: Final = ("offer", "signed", "filed")
STAGE_LABELS: Final = {"offer": "发出要约", "signed": "签订合同", "filed": "审查备案"}
PARTS: Final = ("copies", "ents", "workers")

# The nine measures, in the attachment's column order; each is an integer column.
MEASURES: Final = tuple(f"{stage}_{part}" for stage in STAGES for part in PARTS)
MEASURE_LABELS: Final = {
    "offer_copies": "发出要约书份数",
    "offer_ents": "发出要约覆盖企业数",
    "offer_workers": "发出要约覆盖职工数",
    "signed_copies": "签订工资专项集体合同份数",
    "signed_ents": "签订合同覆盖企业数",
    "signed_workers": "签订合同覆盖职工数",
    "filed_copies": "审查备案数",
    "filed_ents": "审查备案覆盖企业数",
    "filed_workers": "审查备案覆盖职工数",
}
# Short column headers as the attachment prints them (under a stage header).
PART_LABELS: Final = {"copies": "份数", "ents": "覆盖企业数（家）", "workers": "覆盖职工数（人）"}
UNITS: Final = {"copies": "份", "ents": "家", "workers": "人"}


def measure(stage: str, part: str) -> str:
    return f"{stage}_{part}"
