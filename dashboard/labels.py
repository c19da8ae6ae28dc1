"""Chinese UI strings that appear in more than one place, in sections by page. Metric names come from
domain/metrics.py (the catalogue), never typed here."""

from domain.metrics import label as metric_label

# shell (every page): title, data time, errors, the way back
APP_TITLE = "工资集体协商“集中要约”行动监测"
UPDATED = "数据更新于"
NOT_FOUND = "页面不存在"
FORBIDDEN = "无权访问"
FORBIDDEN_HINT = "您的账户没有使用本页的权限。如有需要，请联系系统管理员。"
DB_UNAVAILABLE = "无法读取数据库：可能尚未初始化。请运行 python -m db init（或 make run），然后刷新本页。"
BACK = "← 返回总览"

# shared by the pages: campaigns, the city, dates
DEMO = "演示数据"
NO_CAMPAIGN = "数据库中还没有行动。请运行 python -m db init（或 python -m db demo 生成演示数据）。"
NO_REPORTS = "本次行动尚无报送数据。"
CITY = "全市"
OWN_UNIT = "本单位"  # what a unit is compared within when its viewer may see only the unit itself


def date_cn(d) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def short_date(d) -> str:
    return f"{d.month}月{d.day}日"


def campaign_option(c: dict) -> dict:
    return {"label": c["name"] + (f"（{DEMO}）" if c["is_demo"] and DEMO not in c["name"] else ""), "value": c["id"]}


# overview: the time bar, the lagging reasons
LATEST = "最新"
RULE_TAGS = {"pace": "进度滞后", "filing": f"{metric_label('filing_rate')}低", "stale": "未按时报送", "coverage": "覆盖不足"}

# cases (/cases, /case/<id>)
CASES_TITLE = "典型培育选树"
CASE_NEW = "新增典型"
CITY_LEVEL = "市级典型"
ALL = "全部"
NO_LOCATION = "未标注位置"

# summaries (/summaries)
SUMMARIES_TITLE = "6月10日 总结报送"
SUMMARY_UPLOAD = "上传总结材料"

# follow-up: instructors, evaluation, supervision (and their panel on the overview and district pages)
INSTRUCTORS_TITLE = "专职指导员"
EVALUATION_TITLE = "实效评价"
SUPERVISION_TITLE = "监督检查"
ALL_UNITS = "全部单位"
NO_MODULE = "（该模块尚未接入）"

# snapshots (/snapshots) and exports
SNAPSHOTS = "快照"
MAKE_SNAPSHOT = "生成快照"
SNAPSHOT_NOT_FOUND = "快照不存在"
EXPORT_LABELS = {"pdf": "导出 PDF", "pptx": "导出 PPT", "xlsx": "导出 Excel", "csv": "导出 CSV"}

# grids (every dash-ag-grid table): ag-grid's own words (paging, no rows, the filter menu) in Chinese
GRID_LOCALE = {
    "page": "第", "of": "页，共", "to": "至", "more": "更多", "firstPage": "首页", "previousPage": "上一页",
    "nextPage": "下一页", "lastPage": "末页", "pageLastRowUnknown": "?", "pageSizeSelectorLabel": "每页行数：",
    "ariaPageSizeSelectorLabel": "每页行数", "noRowsToShow": "没有记录", "noMatchingRows": "没有符合筛选条件的记录",
    "loadingOoo": "正在加载…", "loadingError": "加载出错", "exportingOoo": "正在导出…",
    "applyFilter": "应用", "clearFilter": "清除", "resetFilter": "重置", "cancelFilter": "取消",
    "textFilter": "文本筛选", "numberFilter": "数字筛选", "dateFilter": "日期筛选", "setFilter": "选项筛选",
    "filterOoo": "筛选…", "empty": "请选择", "equals": "等于", "notEqual": "不等于", "lessThan": "小于",
    "greaterThan": "大于", "lessThanOrEqual": "小于等于", "greaterThanOrEqual": "大于等于", "inRange": "介于",
    "inRangeStart": "从", "inRangeEnd": "到", "contains": "包含", "notContains": "不包含", "startsWith": "开头是",
    "endsWith": "结尾是", "blank": "为空", "notBlank": "不为空", "before": "早于", "after": "晚于",
    "andCondition": "并且", "orCondition": "或者", "dateFormatOoo": "yyyy-mm-dd", "searchOoo": "搜索…",
    "selectAll": "全选", "selectAllSearchResults": "全选搜索结果", "blanks": "（空白）", "noMatches": "没有匹配项",
    "sortAscending": "升序", "sortDescending": "降序", "sortUnSort": "取消排序", "columnFilter": "列筛选",
    "ariaFilterInput": "筛选输入", "ariaFilterValue": "筛选值", "ariaFilteringOperator": "筛选条件",
    "ariaColumnFiltered": "已筛选", "ariaFilterColumn": "按 Ctrl+Enter 打开筛选", "ariaMenuColumn": "按 Alt+向下键打开列菜单",
    "ariaChecked": "已选", "ariaUnchecked": "未选", "ariaIndeterminate": "部分选中", "ariaRowSelect": "按空格键选择此行",
    "ariaRowDeselect": "按空格键取消选择此行", "ariaRowToggleSelection": "按空格键切换选择",
    "ariaRowSelectAll": "按空格键全选", "ariaSearch": "搜索", "ariaSearchFilterValues": "搜索筛选值",
}
