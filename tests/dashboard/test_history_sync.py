"""assets/history_sync.js names the default metric the server uses for a URL without ?metric=."""

from __future__ import annotations

import re
from pathlib import Path

from dashboard import ids
from domain.metrics import DEFAULT_METRIC

JS = (Path(__file__).resolve().parents[2] / "assets" / "history_sync.js").read_text(encoding="utf-8")


def test_default_metric_and_ids_match():
    assert re.search(r'DEFAULT_METRIC = "([a-z_]+)"', JS).group(1) == DEFAULT_METRIC
    assert f'"{ids.METRIC}"' in JS and f'"{ids.AS_OF}"' in JS
