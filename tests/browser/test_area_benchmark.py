"""benchmarks/areas.py keeps working: it records a page in Chromium and replays it (it measures; no target is asserted)."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bar001_area_benchmark_runs_on_the_city_demo():
    r = subprocess.run([sys.executable, "benchmarks/areas.py", "--sqlite", "--scales", "city", "--runs", "1"], cwd=ROOT,
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    numbers = json.loads(r.stderr.strip().splitlines()[-1])
    pages = [row[1] for row in numbers["rows"]]
    assert pages == ["/", "/district/371302"]
    assert all(int(row[2]) >= 1 for row in numbers["rows"])  # the page's Dash requests were recorded and replayed
    assert numbers["builds"][0][:2] == ["city", "12"]
    assert "server ms cold p50 / p95" in r.stdout
