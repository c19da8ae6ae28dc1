"""`/area/<key>`: the overview of any area (key: its adcode, e.g. 370000 山东省, or a unit code for an
area without one). The page is the overview's (dashboard/pages/overview.py): one code path for every
level; an unknown key gets 未找到该地区, an area outside the viewer's scope the forbidden page."""

from __future__ import annotations

from dashboard.pages import overview
from dashboard.state import PageState


def layout(state: PageState, code: str):
    """`code`: the area's adcode or unit code (the group is named `code` so the tab is titled with its name)."""
    return overview.layout(state, area_key=code)
