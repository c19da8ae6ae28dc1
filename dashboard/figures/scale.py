"""The colour classes shared by the district map, its side bars and the ranking.

Pure. A continuous scale from 0 to the maximum made eleven of twelve counties look alike when
their values sat close together (33%–42% coverage against one outlier). The values actually
present are cut into up to five classes at their quantiles instead, so each colour holds about
the same number of units and neighbouring values still separate. Breaks are rounded to what the
axis format prints (whole percent or points, whole days), so a legend entry "38%–42%" says exactly which
values carry that colour (each class is labelled by the smallest and largest value in it).

Every builder computes the classes from the same rows (all units, mapped or not), so a unit has
one colour on the map, in the side bars and in the ranking.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from typing import Final

from dashboard.theme import CLASS_PALETTE

# ColorBrewer YlGnBu without its two darkest steps: a lightness ramp (readable with any colour
# vision), and every step light enough for the dark county names printed on it.
PALETTE: Final = CLASS_PALETTE
MAX_CLASSES: Final = len(PALETTE)
CAPTION: Final = "按分位数分档<br>每档单位数相近"


@dataclass(frozen=True)
class Classes:
    """`edges` are the k+1 class limits (first = smallest value, last = largest); `colours` and
    `labels` are one per class, lowest class first."""

    edges: tuple[float, ...]
    colours: tuple[str, ...]
    labels: tuple[str, ...]

    @property
    def count(self) -> int:
        return len(self.colours)

    def index(self, value: float) -> int:
        """The class of a value: the last class whose lower edge it reaches."""
        return max(0, min(bisect.bisect_right(self.edges[1:-1], value), self.count - 1))

    def colour(self, value: float) -> str:
        return self.colours[self.index(value)]

    def colorscale(self) -> list[list]:
        """A stepped plotly colour scale for z = class index, zmin = −0.5, zmax = count − 0.5."""
        k = self.count
        stops: list[list] = []
        for i, colour in enumerate(self.colours):
            stops += [[i / k, colour], [(i + 1) / k, colour]]
        return stops

    @property
    def caption(self) -> str:
        return CAPTION if self.count > 1 else ""


def classes(values: list[float | None], fmt: str | None, *, reverse: bool = False) -> Classes:
    """Up to five quantile classes of the values present (None and NaN ignored).

    Breaks are rounded to whole units when every value is whole (days), else to hundredths (whole
    percent, whole percentage points), so they never depend on who asks. `fmt` is the metric's d3
    tick format (".0%", "+.0%", ",d"), used only to print the labels. `reverse` (lower is better) turns the palette round,
    so the "good" end always has the same colour.
    """
    present = sorted(v for v in values if v is not None and not math.isnan(v))
    palette = PALETTE[::-1] if reverse else PALETTE
    if not present:
        return Classes((0.0, 0.0), (palette[-1],), ("—",))
    step = 1.0 if all(float(v).is_integer() for v in present) else 0.01
    lo, hi = present[0], present[-1]
    n = len(present)
    wanted = min(MAX_CLASSES, len(set(present)))
    distinct = sorted(set(present))
    breaks: list[float] = []
    for i in range(1, wanted):
        # The break sits between two neighbouring sorted values, rounded to what the reader sees.
        q = present[min(n - 1, max(1, round(i * n / wanted)))]
        b = round(round(q / step) * step, 10)
        floor = breaks[-1] if breaks else lo
        if b <= floor:
            # Many equal values (eleven units at 0 days): the break moves up to the next value present.
            above = [v for v in distinct if v > floor]
            if not above:
                break
            b = round(math.ceil(round(above[0] / step, 6)) * step, 10)
        if lo < b <= hi and (not breaks or b > breaks[-1]):
            breaks.append(b)
    edges = (lo, *breaks, hi)
    k = len(breaks) + 1
    colours = _spread(palette, k)
    # Each class is labelled by the values actually in it (smallest to largest), not by its limits:
    # "0" and "92 天" say more than "0–92" and "92".
    members: list[list[float]] = [[] for _ in range(k)]
    scale = Classes(edges, colours, ("",) * k)
    for v in present:
        members[scale.index(v)].append(v)
    labels = tuple(_range_text(m[0], m[-1], fmt, step=step) if m else "—" for m in members)
    return Classes(edges, colours, labels)


def tick_text(value: float, fmt: str | None) -> str:
    """`value` printed with a d3-like format (the subset the catalogue uses); "−" for minus."""
    if not fmt:
        return f"{value:g}".replace("-", "−")
    if fmt.endswith("d"):
        text = format(int(round(value)), fmt)
    else:
        text = format(value, fmt)
    return text.replace("-", "−")


# --- internals ---------------------------------------------------------------------------


def _range_text(a: float, b: float, fmt: str | None, *, step: float) -> str:
    # Floor the smallest and ceil the largest to the printed step, so the range printed holds them.
    a = math.floor(round(a / step, 6)) * step
    b = math.ceil(round(b / step, 6)) * step
    left, right = tick_text(a, fmt), tick_text(b, fmt)
    if left == right:
        return left
    if left.endswith("%") and right.endswith("%"):  # "38–42%": narrow enough for the colour bar
        left = left[:-1]
    return f"{left}–{right}"


def _spread(palette: tuple[str, ...], k: int) -> tuple[str, ...]:
    """k colours of the palette, as far apart as possible, in order."""
    if k >= len(palette):
        return tuple(palette)
    if k == 1:
        return (palette[len(palette) // 2],)
    last = len(palette) - 1
    return tuple(palette[round(i * last / (k - 1))] for i in range(k))
