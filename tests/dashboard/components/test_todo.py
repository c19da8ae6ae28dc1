"""A reporter's landing and 待办 (dashboard/components/todo.py): pure, hand-computed."""

from __future__ import annotations

import datetime as dt

from dashboard.components.todo import landing_path, todo_items

D = dt.date
DEADLINE = D(2017, 6, 10)


def row(**kw) -> dict:
    base = {"code": "371302", "name": "兰山区", "required": 4, "staffed": 4, "gap": 0, "inactive": False,
            "overdue": 0, "summary": {"submitted": False, "state": "pending"}}
    return {**base, **kw}


def test_todo001_landing():
    assert landing_path("reporter", "371302", "/") == "/district/371302"
    assert landing_path("reporter", "371302", "") == "/district/371302"
    assert landing_path("reporter", "371302", "/?date=2017-04-14") == "/?date=2017-04-14"  # a shared link is kept
    assert landing_path("reporter", "371302", "/submit") == "/submit"
    assert landing_path("leader", None, "/") == "/" and landing_path("admin", None, "/") == "/"
    assert landing_path("reporter", None, "/") == "/"


def test_todo002_returned_report_first_then_what_is_overdue():
    returned = [{"report_id": 41, "report_date": D(2017, 5, 26), "version": 1, "comment": "区域行请核实"}]
    items = todo_items(returned, row(gap=1, staffed=3, overdue=2, inactive=True,
                                     summary={"submitted": False, "state": "overdue"}), DEADLINE, D(2017, 6, 12),
                       "?date=2017-06-12")
    assert [i["text"] for i in items] == [
        "截至 2017年5月26日 的报表（第 1 版）被退回：区域行请核实",
        "6月10日总结逾期未交（已过 2 天）",
        "2 起拒绝协商案件逾期未整改",
        "专职指导员缺 1 人（在岗 3 / 应配 4）",
        "近 14 天没有工作日志",
    ]
    assert items[0]["href"] == "/submit/41" and items[0]["urgent"]
    assert items[1]["href"] == "/summaries?unit=371302&date=2017-06-12"
    assert [i["urgent"] for i in items] == [True, True, True, False, False]


def test_todo003_summary_only_when_due_soon():
    assert todo_items([], row(), DEADLINE, D(2017, 4, 14)) == []  # 57 days left: nothing to do yet
    soon = todo_items([], row(), DEADLINE, D(2017, 6, 5))
    assert [i["text"] for i in soon] == ["6月10日前报送书面总结（还有 5 天）"]
    done = todo_items([], row(summary={"submitted": True, "state": "on_time"}), DEADLINE, D(2017, 6, 12))
    assert done == []
    assert todo_items([], None, DEADLINE, D(2017, 6, 5)) == []
