"""Chinese UI strings that appear in more than one place."""

APP_TITLE = "工资集体协商“集中要约”行动监测"
DEMO = "演示数据"
LATEST = "最新"
NO_CAMPAIGN = "数据库中还没有行动。请运行 python -m db init（或 python -m db demo 生成演示数据）。"
NO_REPORTS = "本次行动尚无报送数据。"
NOT_FOUND = "页面不存在"
FORBIDDEN = "无权访问"
FORBIDDEN_HINT = "您的账户没有使用本页的权限。如有需要，请联系系统管理员。"
DB_UNAVAILABLE = "无法读取数据库：可能尚未初始化。请运行 python -m db init（或 make run），然后刷新本页。"
BACK = "← 返回全市总览"
UPDATED = "数据更新于"
CITY = "全市"


def date_cn(d) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def short_date(d) -> str:
    return f"{d.month}月{d.day}日"


def campaign_option(c: dict) -> dict:
    return {"label": c["name"] + (f"（{DEMO}）" if c["is_demo"] and DEMO not in c["name"] else ""), "value": c["id"]}

RULE_TAGS = {"pace": "进度滞后", "filing": "备案率低", "stale": "未按时报送", "coverage": "覆盖不足"}

# --- issue 5: submission ---

# --- issue 6: cases and summaries ---

# --- issue 6: instructors, evaluation, supervision ---

# --- issue 7: snapshots and exports ---

# --- issue 4: admin pages ---
