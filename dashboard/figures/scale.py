"""The colour classes shared by the district map, its side bars and the ranking.

Pure. A continuous scale from 0 to the maximum made eleven of twelve counties look alike when
their values sat close together (33%–42% coverage against one outlier at 16%). The values actually
present are cut into up to five classes at their natural breaks instead: an outlier stands alone
and a tight cluster still splits into colours. Values are rounded to what the axis format prints
(whole percent or points, whole days), so a legend entry "38–42%" says exactly which values carry
that colour (each class is labelled by the smallest and largest value in it).

Every builder computes the classes from the same rows (all units, mapped or not), so a unit has
one colour on the map, in the side bars and in the ranking.
"""

from __future__ import annotations

import bisect
import functools
import math
from dataclasses import dataclass
from typing import Final

from dashboard.theme import CLASS_PALETTE

# ColorBrewer YlGnBu without its two darkest steps: a lightness ramp (readable with any colour
# vision), and every step light enough for the dark county names printed on it.
PALETTE: Final = CLASS_PALETTE
MAX_CLASSES: Final = len(PALETTE)
CAPTION: Final = "按数值自然分档<br>档内数值相近"


@dataclass(frozen=True)
class Classes:
    """`edges` are the k+1 class limits (first = smallest value, last = largest); `colours` and
    `labels` are one per class, lowest class first."""

    edges: tuple[float, ...]
    colours: tuple[str, ...]
    labels: tuple[str, ...]
    step: float = 0.01  # values are rounded to this before they are classed

    @property
    def count(self) -> int:
        return len(self.colours)

    def index(self, value: float) -> int:
        """The class of a value (rounded as the reader sees it): the last class whose lower edge it reaches."""
        return max(0, min(bisect.bisect_right(self.edges[1:-1], _round(value, self.step)), self.count - 1))

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
    """Up to five natural-break classes of the values present (None and NaN ignored).

    The values, rounded to what the reader sees (whole units when every value is whole, as days
    are, else hundredths: whole percent or points), are split where the split leaves the least
    spread inside the classes (Fisher's optimal grouping, the "natural breaks"): an outlier gets a
    class of its own and a tight cluster is cut where it thins. Equal values never part. The
    rounding never depends on who asks, so map, side bars and ranking agree. `fmt` is the
    metric's d3 tick format (".0%", "+.0%", ",d"), used only to print the labels. `reverse` (lower
    is better) turns the palette round, so the "good" end always has the same colour.
    """
    return _classes(tuple(sorted(v for v in values if v is not None and not math.isnan(v))), fmt, reverse)


@functools.lru_cache(maxsize=64)
def _classes(present: tuple[float, ...], fmt: str | None, reverse: bool) -> Classes:
    """`classes` of the sorted values present. Remembered: map, side bars and ranking ask for the
    same classes within one render, and the natural breaks grow with the square of the units."""
    palette = PALETTE[::-1] if reverse else PALETTE
    if not present:
        return Classes((0.0, 0.0), (palette[-1],), ("—",))
    step = 1.0 if all(float(v).is_integer() for v in present) else 0.01
    shown = [_round(v, step) for v in present]
    k = min(MAX_CLASSES, len(set(shown)))
    starts = _natural_breaks(shown, k)
    breaks = [shown[i] for i in starts]
    edges = (shown[0], *breaks, shown[-1])
    colours = _spread(palette, len(breaks) + 1)
    scale = Classes(edges, colours, ("",) * len(colours), step)
    # Each class is labelled by the values actually in it, smallest to largest.
    members: list[list[float]] = [[] for _ in colours]
    for v in shown:
        members[scale.index(v)].append(v)
    labels = tuple(_range_text(m[0], m[-1], fmt) if m else "—" for m in members)
    return Classes(edges, colours, labels, step)


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


def _round(value: float, step: float) -> float:
    return round(round(value / step) * step, 10)


def _natural_breaks(xs: list[float], k: int) -> list[int]:
    """Where classes 2..k start in the sorted `xs`: the split with the least sum of squared
    deviations inside the classes, never between two equal values (dynamic programming, O(k·n²))."""
    n = len(xs)
    if k <= 1 or n <= 1:
        return []
    s1, s2 = [0.0], [0.0]
    for x in xs:
        s1.append(s1[-1] + x)
        s2.append(s2[-1] + x * x)

    def sse(i: int, j: int) -> float:  # xs[i:j]
        total = s1[j] - s1[i]
        return s2[j] - s2[i] - total * total / (j - i)

    allowed = [i for i in range(1, n) if xs[i] != xs[i - 1]]  # a class may start here
    inf = float("inf")
    cost = [[inf] * (n + 1) for _ in range(k + 1)]
    back = [[0] * (n + 1) for _ in range(k + 1)]
    for j in range(1, n + 1):
        cost[1][j] = sse(0, j)
    for c in range(2, k + 1):
        for j in range(1, n + 1):
            if j < n and xs[j] == xs[j - 1]:
                continue  # a class may not end inside a run of equal values
            for i in allowed:
                if i >= j:
                    break
                if cost[c - 1][i] < inf and cost[c - 1][i] + sse(i, j) < cost[c][j]:
                    cost[c][j], back[c][j] = cost[c - 1][i] + sse(i, j), i
    c = max(c for c in range(1, k + 1) if cost[c][n] < inf)
    starts, j = [], n
    while c > 1:
        j = back[c][j]
        starts.append(j)
        c -= 1
    return sorted(starts)


def _range_text(a: float, b: float, fmt: str | None) -> str:
    """"38–42%" for the (rounded) smallest and largest value of a class; one value alone: "42%"."""
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
