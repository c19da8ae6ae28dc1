"""The layer check: imports only run downhill, entry points (app, worker, cli) → callbacks → dashboard → db → domain.

The contracts live in pyproject.toml ([tool.importlinter]); `lint-imports` checks them (also in `make lint`).
grimp, under import-linter, reads every import statement in the syntax tree, so an import inside a function
body counts like one at the top of the module. The second test proves it on a copy of the product tree.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = ["app.py", "worker.py", "cli", "callbacks", "dashboard", "db", "domain", "pyproject.toml"]
LINT = "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"


def lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run `lint-imports` in `cwd` with the interpreter of the tests; the packages are found from `cwd` alone."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(COLUMNS="200", NO_COLOR="1")  # one line per import, no colour codes
    return subprocess.run(
        [sys.executable, "-c", LINT, "--no-cache", "--no-logo"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_contracts_are_kept():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 3 kept, 0 broken." in result.stdout


def copy_product(dest: Path) -> Path:
    for name in PRODUCT:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(src, dest / name)
    return dest


@pytest.mark.parametrize(
    ("module", "body", "expected"),
    [
        # db reaching up into the Dash UI, hidden in a function body
        ("db/engine.py", "from dashboard import ids", "db.engine -> dashboard.ids"),
        # the pure domain reaching down into the database layer
        ("domain/format.py", "import db.engine", "domain.format -> db.engine"),
        # the pure domain importing an external package it must not know
        ("domain/measures.py", "import sqlalchemy", "domain.measures -> sqlalchemy"),
        # a UI module importing an entry point
        ("dashboard/theme.py", "import app", "dashboard.theme -> app"),
    ],
    ids=["db-imports-dashboard", "domain-imports-db", "domain-imports-sqlalchemy", "dashboard-imports-app"],
)
def test_function_level_uphill_import_breaks_the_check(tmp_path, module, body, expected):
    tree = copy_product(tmp_path)
    path = tree / module
    lines = path.read_text(encoding="utf-8").count("\n")
    with path.open("a", encoding="utf-8") as f:
        f.write(f"\n\ndef _uphill():\n    {body}\n")
    line = lines + 4  # the import sits on the fourth line appended

    result = lint_imports(tree)

    assert result.returncode == 1, result.stdout + result.stderr
    assert re.search(rf"^-\s+{re.escape(expected)} \(l\.{line}\)$", result.stdout, re.M), result.stdout
