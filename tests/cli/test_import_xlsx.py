"""python -m db import-xlsx: exit 0 printing the stored version; exit 1 listing every problem in
Chinese, with no traceback and nothing stored."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from cli.__main__ import main
from db.admin.presets import ensure_campaign, read_preset
from db.engine import read_session, write_session
from db.models import AuditEvent, Campaign, Report, ReportLine
from tests.db.submission import xlsx_corpus as X

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def cli(preset_engine, monkeypatch, capsys):
    """Run the command in this process against the test database; (exit code, stdout, stderr)."""
    monkeypatch.setenv("DATABASE_URL", preset_engine.url.render_as_string(hide_password=False))

    def run(*args: str):
        code = main(["import-xlsx", *args])
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


def write(tmp_path: Path, data: bytes, name: str = "兰山区.xlsx") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def reports(engine) -> tuple[int, int]:
    with read_session(engine) as s:
        return s.scalar(select(func.count(Report.id))), s.scalar(select(func.count()).select_from(ReportLine))


def test_cim001_import_prints_the_stored_version(cli, preset_engine, tmp_path):
    code, out, err = cli(write(tmp_path, X.handmade(style="text")))
    assert (code, err) == (0, "")
    assert out.splitlines()[0].startswith("已导入：兰山区（371302）2017年4月28日 第 1 版（报送），报表编号 ")
    assert "  区域：15  320  21,873  12  260  18,020  10  200  15,500" in out
    with read_session(preset_engine) as s:
        report = s.scalars(select(Report)).one()
        actor = s.scalar(select(AuditEvent.actor).where(AuditEvent.action == "report.submit"))
    assert (report.source, report.version) == ("excel", 1)
    assert actor.startswith("cli")


def test_cim002_correction_with_reason_and_explicit_unit_and_date(cli, tmp_path):
    path = write(tmp_path, X.handmade(unit="", filled_on=None))
    code, out, _ = cli(path, "--unit", "371302", "--date", "2017-04-21")
    assert code == 0 and "2017年4月21日 第 1 版" in out
    code, _, err = cli(path, "--unit", "371302", "--date", "2017-04-21")
    assert code == 1 and "已经报送；如需修改，请按更正报送并填写更正原因" in err
    code, out, _ = cli(path, "--unit", "371302", "--date", "2017-04-21", "--reason", "补录行业数据")
    assert code == 0 and "第 2 版（更正）" in out


def test_cim003_refusal_lists_every_problem_and_stores_nothing(cli, preset_engine, tmp_path):
    bad = {**X.FIGURES, "regional": {**X.FIGURES["regional"], "signed_workers": 30000, "filed_ents": "很多"}}
    code, out, err = cli(write(tmp_path, X.handmade(figures=bad, total="values")))
    assert code == 1 and out == ""
    lines = err.splitlines()
    assert lines[0].endswith("兰山区.xlsx：发现 3 个问题，没有保存任何数据。")
    assert lines[1] == ("  1. 工作表“Sheet1” G9 单元格（合计 · 签订合同覆盖职工数）为 33,220，"
                        "但单独开展企业、区域、行业三行之和为 45,200；请核对")
    assert "I7 单元格：区域 · 审查备案覆盖企业数：“很多” 不是非负整数" in lines[2] + lines[3]
    assert "G7 单元格：区域 · 签订合同覆盖职工数 30,000 大于 发出要约覆盖职工数 21,873" in lines[2] + lines[3]
    assert "Traceback" not in err
    assert reports(preset_engine) == (0, 0)


@pytest.mark.parametrize(("args", "expected"), [
    (("--unit", "371311"), "工作簿表头的单位“兰山区总工会”与所选单位“罗庄区”不符"),
    (("--date", "2017-07-01"), "报送日期 2017年7月1日 晚于报送截止（2017年6月10日）：行动期间为 2017年3月1日 至 2017年5月31日"),
    (("--campaign", "42"), "行动（编号 42）不存在"),
])
def test_cim004_wrong_unit_date_or_campaign(cli, preset_engine, tmp_path, args, expected):
    code, _, err = cli(write(tmp_path, X.handmade()), *args)
    assert code == 1 and expected in err
    assert reports(preset_engine) == (0, 0)


def test_cim004b_a_workbook_of_an_unknown_unit_is_not_stored_under_the_chosen_one(cli, preset_engine, tmp_path):
    code, out, err = cli(write(tmp_path, X.handmade(unit="临沂大学工会")), "--unit", "SZ06")
    assert code == 1 and out == ""
    assert "工作簿表头的单位“临沂大学工会”与所选单位“大专院校”不符" in err
    assert reports(preset_engine) == (0, 0)
    code, out, _ = cli(write(tmp_path, X.handmade(unit="")), "--unit", "371302")  # blank: the chosen unit applies
    assert code == 0 and "兰山区" in out


def test_cim005b_a_zip_with_false_size_headers_is_refused_before_it_is_inflated(cli, preset_engine, tmp_path):
    code, out, err = cli(write(tmp_path, X.forged_bomb(size=64 * 1024 * 1024), "炸弹.xlsx"))
    assert code == 1 and out == ""
    assert "文件“炸弹.xlsx”中的部件“xl/worksheets/sheet1.xml”解压后超过上限 20.0 MB（疑似“压缩炸弹”）" in err
    assert reports(preset_engine) == (0, 0)


def test_cim005_hostile_files(cli, tmp_path, monkeypatch):
    code, _, err = cli(write(tmp_path, X.CSV, "表.xlsx"))
    assert code == 1 and "文本（如 CSV）" in err
    code, _, err = cli(write(tmp_path, X.macro_workbook(), "表.xlsm"))
    assert code == 1 and "启用宏" in err
    code, _, err = cli(str(tmp_path / "nothing.xlsx"))
    assert code == 1 and "找不到文件" in err
    monkeypatch.setenv("UPLOAD_MAX_BYTES", "1000")
    code, _, err = cli(write(tmp_path, X.template()))
    assert code == 1 and "超过上限 1.0 KB" in err


def test_cim006_default_campaign_is_the_latest_real_one(cli, preset_engine, tmp_path):
    with write_session(preset_engine) as s:
        demo = ensure_campaign(s, read_preset()["campaigns"][0], name="演示", is_demo=True).id
    assert cli(write(tmp_path, X.handmade()))[0] == 0
    with read_session(preset_engine) as s:
        used = s.scalar(select(Report.campaign_id))
        real = s.scalar(select(Campaign.id).where(Campaign.is_demo.is_(False)))
    assert used == real != demo


def test_cim007_subprocess_exit_codes_and_no_traceback(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    env = {"DATABASE_URL": url, "PATH": "/usr/bin:/bin"}

    def run(*args):
        return subprocess.run([sys.executable, "-m", "db", *args], cwd=ROOT, capture_output=True, text=True,
                              env=env, timeout=120)

    assert run("init").returncode == 0
    good = run("import-xlsx", write(tmp_path, X.handmade()))
    assert good.returncode == 0 and "第 1 版" in good.stdout
    bomb = run("import-xlsx", write(tmp_path, X.zip_bomb(), "炸弹.xlsx"))
    assert bomb.returncode == 1 and "压缩炸弹" in bomb.stderr and "Traceback" not in bomb.stderr
    bad_date = run("import-xlsx", "x.xlsx", "--date", "4月28日")
    assert bad_date.returncode == 2 and "参数错误" in bad_date.stderr and "YYYY-MM-DD" in bad_date.stderr
