"""`python -m db demo --scale province` on a fresh database, and its refusal on a 临沂 one."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _cli(*args, url):
    return subprocess.run([sys.executable, "-m", "db", *args], cwd=ROOT, capture_output=True, text=True,
                          env={"DATABASE_URL": url, "PATH": "/usr/bin:/bin"}, timeout=300)


def test_cli_scale001_province_demo_prints_its_accounts(tmp_path):
    url = f"sqlite:///{tmp_path / 'province.db'}"
    r = _cli("demo", "--scale", "province", url=url)
    assert r.returncode == 0, r.stderr
    assert "单位 170 个（其中报送单位 153 个）" in r.stdout
    assert "demo-shandong  shandong-2017-demo  领导 · 山东省" in r.stdout
    assert "demo-leader" in r.stdout  # the usual demo accounts too (兰山区's reporter exists at this scale)
    assert "已有报送数据" in _cli("demo", "--scale", "province", "--if-empty", url=url).stdout


def test_cli_scale002_refused_on_a_city_installation(tmp_path):
    url = f"sqlite:///{tmp_path / 'linyi.db'}"
    assert _cli("init", url=url).returncode == 0
    r = _cli("demo", "--scale", "nation", url=url)
    assert r.returncode == 1 and "需要单独的数据库" in r.stderr and "Traceback" not in r.stderr
