"""The benchmark script keeps working (it measures; it is not a timed test: no target is asserted)."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def test_bch001_benchmark_script_runs_and_writes_its_numbers(tmp_path):
    out = tmp_path / "bench.json"
    r = subprocess.run([sys.executable, "benchmarks/run.py", "--runs", "2", "--json", str(out)], cwd=ROOT,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    numbers = json.loads(out.read_text())
    assert "router / (overview page)" in r.stdout
    assert numbers["timings_ms"]  # measured something
    assert set(numbers["shared_hits_ms"]) == {"router / (overview page)", "update_data", "metric switch ent_coverage",
                                              "router /district/371324"}


def test_bch002_naive_comparison_runs_and_prints_both_actions():
    r = subprocess.run([sys.executable, "benchmarks/naive.py", "--runs", "2"], cwd=ROOT,
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    rows = [line.split("|") for line in r.stdout.splitlines() if line.count("|") == 4]
    measured = {(a.strip(), b.strip()) for a, b, *_ in rows[1:]}
    assert measured == {(action, app) for action in ("first load", "date change")
                        for app in ("naive", "ours, computed", "ours, shared")}
    assert "SQLite · city demo: 279 reports" in r.stdout  # --scale city is the default
    assert re.search(r"same data: signed_ents on \S+, naive ([\d,]+), ours \1\n", r.stdout), r.stdout[-500:]


def test_bch004_naive_national_app_rolls_units_up_to_the_roots_children():
    """--scale nation (not run here: the national demo takes 30 s to build) sums each unit into the
    child of the root it lies under; on a hand-made tree: 全国 > 2 provinces > a city > counties."""
    from benchmarks.naive import SUMMED, roll_up, under_root_child

    units = pd.DataFrame({"unit_id": [1, 2, 3, 4, 5, 6, 7], "parent_id": [None, 1, 1, 2, 4, 3, 2],
                          "code": list("abcdefg"), "name": list("ABCDEFG"),
                          "adcode": ["100000", "370000", "410000", "371300", "371302", "410100", None]})
    units["top"] = under_root_child(units)
    assert units["top"].tolist()[1:] == [2, 3, 2, 2, 3, 2] and pd.isna(units["top"][0])  # 7: 省直系统 under 2
    figures = units.assign(**{col: [0, 0, 0, 0, 10, 20, 1] for col in SUMMED})
    rolled = roll_up(figures, units)
    assert rolled[["unit_id", "name", "adcode", "signed_ents", "target_ents"]].values.tolist() == [
        [2, "B", "370000", 11, 11], [3, "C", "410000", 20, 20]]


def test_bch003_sql_share_prints_each_callback_against_its_sql(tmp_path):
    out = tmp_path / "share.json"
    r = subprocess.run([sys.executable, "benchmarks/sql_share.py", "--runs", "2", "--by-function", "--json", str(out)],
                       cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    results = json.loads(out.read_text())["results"]
    floor = "floor: live poll, no change"
    panel = "refresh_panel: after the page"  # a city's page shows the action panel: its own request
    assert set(results) == {"router /", panel, "update_data: new data", "update_data: date", "update_data: metric", floor}
    for name, numbers in results.items():
        assert numbers["statements"] > 0 and numbers["sql_fetch_ms"] > 0, name  # it saw and replayed the SQL
        assert 0 < numbers["db_layer_ms"] < numbers["total_ms"], name
        if name not in (floor, panel):
            assert "db.hierarchy.view" in numbers["db_calls"], name  # every overview request reads the area view
    assert "db.followup.overview.overview_inputs" in results[panel]["db_calls"]
    assert "db.queries.data_version" in results[floor]["db_calls"]  # the poll reads the version, nothing else of note
    assert "update_data: metric: db functions" in r.stdout
    assert "SQLite · city demo (279 reports)" in r.stdout  # --scale city is the default
