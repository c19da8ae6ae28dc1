"""Move Python modules and rewrite every reference to them (a refactoring tool, not used at run time).

    python scripts/move_module.py db.auth=db.accounts.auth dashboard.format=domain.format ...

For each pair: `git mv` the file (creating packages with an empty __init__.py as needed), then, in
every tracked .py file and in the string registries, rewrite

- `from db.accounts.auth import X`            -> `from db.accounts.auth import X`
- `from db import auth[ as a]`       -> `from db.accounts import auth[ as a]` (the local name is kept)
- `import db.auth[ as a]`            -> `import db.accounts.auth[ as a]`
- "db.accounts.auth" / "db.accounts.auth.attr" inside string literals (monkeypatch targets, importlib names)
- `db/accounts/auth.py` in comments and docstrings

Local names stay the same, so code below the imports needs no change; `ruff --fix` sorts imports after.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def module_path(mod: str) -> Path:
    p = ROOT / Path(*mod.split("."))
    return p if p.is_dir() else p.with_suffix(".py")


def tracked_py() -> list[Path]:
    out = subprocess.run(["git", "ls-files", "*.py", "*.md", "*.toml", "*.ini", "*.cfg", "Makefile", ".ci/*",
                          "*.sh", "*.json"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return [ROOT / line for line in out.splitlines() if (ROOT / line).exists()]


def ensure_package(pkg: str) -> None:
    parts = pkg.split(".")
    for i in range(1, len(parts) + 1):
        d = ROOT / Path(*parts[:i])
        d.mkdir(exist_ok=True)
        init = d / "__init__.py"
        if not init.exists():
            init.write_text("")
            subprocess.run(["git", "add", str(init)], cwd=ROOT, check=True)


def rewrite_imports(src: str, moves: dict[str, str]) -> str:
    try:
        tree = ast.parse(src)
    except SyntaxError:
        return src
    lines = src.splitlines(keepends=True)
    edits: list[tuple[int, int, int, int, str]] = []  # (lineno, col, end_lineno, end_col, text)

    def target(mod: str) -> str | None:
        for old, new in moves.items():
            if mod == old or mod.startswith(old + "."):
                return new + mod[len(old):]
        return None

    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            indent = " " * node.col_offset
            new_mod = target(node.module)
            if new_mod:  # from db.accounts.auth import X
                names = ", ".join(a.name + (f" as {a.asname}" if a.asname else "") for a in node.names)
                text = f"from {new_mod} import {names}"
                edits.append((node.lineno, node.col_offset, node.end_lineno, node.end_col_offset, text))
                continue
            # from db import auth, queries as q: split the moved names out
            moved, kept = [], []
            for a in node.names:
                full = f"{node.module}.{a.name}"
                t = target(full)
                if t and full in moves:
                    parent, leaf = t.rsplit(".", 1)
                    local = a.asname or a.name
                    moved.append(f"from {parent} import {leaf}" + (f" as {local}" if local != leaf else ""))
                else:
                    kept.append(a.name + (f" as {a.asname}" if a.asname else ""))
            if moved:
                stmts = ([f"from {node.module} import {', '.join(kept)}"] if kept else []) + moved
                text = ("\n" + indent).join(stmts)
                edits.append((node.lineno, node.col_offset, node.end_lineno, node.end_col_offset, text))
        elif isinstance(node, ast.Import):
            changed = False
            parts = []
            for a in node.names:
                t = target(a.name)
                if t:
                    changed = True
                parts.append((t or a.name) + (f" as {a.asname}" if a.asname else ""))
            if changed:
                edits.append((node.lineno, node.col_offset, node.end_lineno, node.end_col_offset,
                              "import " + ", ".join(parts)))
    # apply from the bottom up
    for lineno, col, end_lineno, end_col, text in sorted(edits, reverse=True):
        start = lines[lineno - 1]
        end = lines[end_lineno - 1]
        # keep a trailing comment on the last line
        tail = end[end_col:]
        new = start[:col] + text + tail
        lines[lineno - 1:end_lineno] = [new]
    return "".join(lines)


def rewrite_strings(src: str, moves: dict[str, str]) -> str:
    for old, new in moves.items():
        if new.startswith(old + "."):  # db.cases -> db.cases.typical: leave what is already rewritten alone
            suffix = re.escape(new[len(old):])
            old_re = rf"{re.escape(old)}(?!{suffix}\b| import )"
        else:
            old_re = re.escape(old)
        # dotted names inside quotes: "db.accounts.auth", 'db.accounts.auth.login'
        src = re.sub(rf"(?<=[\"'`]){old_re}(?=[\"'`.:])", new, src)
        # dotted names in prose, e.g. "(db.demo.DEMO_EXTENSIONS)" or "`db.accounts.auth`"
        src = re.sub(rf"(?<![\w.]){old_re}(?=[\s`),:;]|\.[A-Za-z_])", new, src)
        # paths in prose
        old_path, new_path = old.replace(".", "/"), new.replace(".", "/")
        src = re.sub(rf"(?<![\w/]){re.escape(old_path)}\.py\b", new_path + ".py", src)
    return src


def main(pairs: list[str]) -> None:
    moves = dict(p.split("=", 1) for p in pairs)
    for old, new in moves.items():
        src, dst = module_path(old), module_path(new)
        if src.is_dir():
            dst = ROOT / Path(*new.split("."))
        ensure_package(new.rsplit(".", 1)[0]) if "." in new else None
        if dst.exists():
            sys.exit(f"{dst} exists")
        subprocess.run(["git", "mv", str(src), str(dst)], cwd=ROOT, check=True)
    for path in tracked_py():
        text = path.read_text()
        new = rewrite_imports(text, moves) if path.suffix == ".py" else text
        new = rewrite_strings(new, moves)
        if new != text:
            path.write_text(new)


if __name__ == "__main__":
    main(sys.argv[1:])
