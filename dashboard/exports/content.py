"""What every export (and the snapshot page) shows, from a snapshot document. Pure.

One place decides the sections, the KPI lines, the per-unit table's columns and how each figure is
written (domain.format), so the PDF, the slides, the spreadsheet, the CSV and the page agree.

A snapshot of an area (`doc["area"]`, db/snapshots.py) reads the same: its rows are the area's
children, its totals are the area's ("全省合计" instead of "全市合计", `area_word`), and its map is
the children's boundaries (dashboard/geo_areas.py). A snapshot of the root has no "area" and every
text stays as it always was.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from dashboard import theme
from dashboard.figures import map as map_figure
from dashboard.figures import overview as figures
from dashboard.figures.static_map import static_map
from dashboard.labels import date_cn
from domain.format import half_up, pct, thousands
from domain.hierarchy import WHOLE_WORDS
from domain.kpis import SINCE, last_year_parts, tiles
from domain.lagging import RULE_LABELS
from domain.measures import LINE_KINDS, MEASURE_LABELS, MEASURES
from domain.metrics import BY_KEY, METRICS, RATES, label
from domain.ranking import colour_range

STAMP = "数据截至"

# The per-unit table: (key, header, kind). kind: text, date, count, rate, flag.
UNIT_COLUMNS = (
    ("name", "单位", "text"),
    ("kind", "类别", "text"),
    ("last_report_date", "最近报送", "date"),
    ("offer_copies", "要约书份数", "count"),
    ("signed_copies", "签订合同份数", "count"),
    ("signed_ents", "签约覆盖企业", "count"),
    ("signed_workers", "签约覆盖职工", "count"),
    ("filed_copies", "审查备案数", "count"),
    *((key, BY_KEY[key].header, "rate") for key in RATES),
    ("lagging", "落后", "flag"),
)
RATE_KEYS = frozenset(RATES)
# The flat data (CSV, the spreadsheet's data sheet): every stored figure of every unit.
FLAT_COLUMNS = (
    ("code", "单位代码"), ("name", "单位"), ("kind", "类别"), ("last_report_date", "最近报送日期"),
    ("baseline_ents", "辖区企业数"), ("baseline_workers", "辖区职工数"), ("target_ents", "目标企业数"),
    ("target_workers", "目标职工数"),
    *((m, MEASURE_LABELS[m]) for m in MEASURES),
    *((key, BY_KEY[key].label) for key in RATES),
    ("lagging", "是否落后"),
    ("lagging_reasons", "落后原因"),
)


def area_word(doc: dict) -> str:
    """"全市" for the root (the city installation) and a city, "全省" for a province, "全国"; else the area's name."""
    area = doc.get("area")
    if not area:
        return "全市"
    return WHOLE_WORDS.get(area.get("level"), area.get("name") or "全部")


def campaign_line(doc: dict) -> str:
    """The campaign's name, and for an area's snapshot the area's path: "…行动 · 全国 › 山东省"."""
    area = doc.get("area")
    name = doc["filters"]["campaign_name"]
    return f"{name} · {' › '.join(area['path'])}" if area else name


def day(value) -> dt.date | None:
    return dt.date.fromisoformat(value[:10]) if isinstance(value, str) and value else None


def stamp(doc: dict) -> str:
    """"数据截至 2017年5月31日 · 快照于 2017-06-01 09:30 由 demo-leader 生成"."""
    when = (doc.get("created_at") or "").replace("T", " ")[:16]
    return f"{STAMP} {date_cn(day(doc['filters']['as_of']))} · 快照于 {when} 由 {doc.get('created_by') or '—'} 生成"


def cell(value, kind: str) -> str:
    if kind == "count":
        return thousands(value)
    if kind == "rate":
        return pct(value)
    if kind == "flag":
        return "落后" if value else ""
    if kind == "date":
        d = day(value)
        return f"{d.month}月{d.day}日" if d else "尚未报送"
    return "" if value is None else str(value)


def unit_table(doc: dict) -> tuple[list[str], list[list[str]]]:
    """Headers and formatted rows of every unit (off-map units included), in the overview's order."""
    headers = [h for _, h, _ in UNIT_COLUMNS]
    rows = [[cell(u.get(k), kind) for k, _, kind in UNIT_COLUMNS] for u in doc["units"]]
    return headers, rows


def city_row(doc: dict) -> list[str]:
    now = doc["kpis"]["now"]
    values = {**now, "name": f"{area_word(doc)}合计", "kind": "", "last_report_date": None, "lagging": False}
    row = [cell(values.get(k), kind) for k, _, kind in UNIT_COLUMNS]
    row[2] = f"{now['units_reported']}/{now['units']} 报送"
    return row


def flat_rows(doc: dict) -> tuple[list[str], list[list]]:
    """Raw values (numbers as numbers) for CSV and the data sheet."""
    reasons = {x["code"]: "；".join(r["text"] for r in x["reasons"]) for x in doc["lagging"]}
    out = []
    for u in doc["units"]:
        row = []
        for key, _ in FLAT_COLUMNS:
            if key == "lagging":
                row.append("是" if u["lagging"] else "否")
            elif key == "lagging_reasons":
                row.append(reasons.get(u["code"], ""))
            else:
                row.append(u.get(key))
        out.append(row)
    return [h for _, h in FLAT_COLUMNS], out


def kpis(doc: dict) -> list[dict]:
    """The page's seven KPI tiles (domain.kpis), the weekly change written as one line ("较上周 +13 份", or "")
    and `last_year`, the 同期 line ("同期（2016年4月14日）1,234 份，+12.3%", or "": no earlier campaign, or a
    snapshot taken before snapshots kept it)."""
    last = doc["kpis"].get("last_year")
    return [{**t, "change": f"{SINCE} {t['change']}" if t["change"] else ""}
            for t in tiles(doc["kpis"]["now"], doc["kpis"]["prev"], last["figures"] if last else None,
                           day(last["date"]) if last else None)]


def last_year_rows(doc: dict) -> list[tuple[str, str, str, str]]:
    """同期 as a table, one row per KPI tile: (title, now, then, change); [] without last year's figures."""
    last = doc["kpis"].get("last_year")
    if not last:
        return []
    now = doc["kpis"]["now"]
    return [(t["title"], t["value"], *(part or "—" for part in last_year_parts(t["key"], now, last["figures"])))
            for t in tiles(now, None)]


def summary_lines(doc: dict) -> list[str]:
    """The cover's few sentences: the campaign, the day, the expected pace against the city's progress."""
    c, now = doc["campaign"], doc["kpis"]["now"]
    as_of = day(doc["filters"]["as_of"])
    start, end = day(c["window_start"]), day(c["window_end"])
    total = (end - start).days + 1
    if as_of > end:
        when = f"行动已于 {date_cn(end)} 结束"
    else:
        when = f"行动第 {min(max((as_of - start).days + 1, 0), total)} 天（共 {total} 天）"
    return [
        doc["filters"]["campaign_name"],
        f"{when}；应达进度 {pct(doc['expected'])}，{area_word(doc)}{label('target_progress')} {pct(now['target_progress'])}",
        f"{now['units_reported']} 个单位已报送（共 {now['units']} 个）；落后单位 {len(doc['lagging'])} 个",
    ]


# ---------------------------------------------------------------- figures (plotly dicts)


def metric_spec(doc: dict, metric: str | None = None) -> dict:
    metric = metric or doc["filters"]["metric"]
    spec = METRICS[metric]
    rows = doc["rankings"][metric]
    zmin, zmax = colour_range(rows, metric)
    return {"metric": metric, "label": spec.label, "rows": rows, "zmin": zmin, "zmax": zmax,
            "fmt": spec.tick_format, "reverse": not spec.higher_is_better}


def _font(layout: dict) -> dict:
    layout["font"] = {**layout.get("font", {}), "family": FONT_FAMILY}
    layout["paper_bgcolor"] = "#ffffff"
    return layout


FONT_FAMILY = "WenQuanYi Micro Hei, " + theme.FONT_FAMILY


def children_geojson(doc: dict) -> dict:
    """The boundaries of the rows on the map: the city's counties (dashboard/geo.py) for the root, the
    children of the area from the per-area set (dashboard/geo_areas.py) for an area's snapshot."""
    from dashboard import geo

    spec_rows = doc["rankings"][doc["filters"]["metric"]]
    adcodes = tuple(sorted(r["adcode"] for r in spec_rows if r.get("adcode")))
    area = doc.get("area")
    if not area:
        return geo.city_geojson(adcodes)
    from dashboard import geo_areas

    found = geo_areas.children_geojson(area["adcode"]) if area.get("adcode") else None
    wanted = set(adcodes)
    return {"type": "FeatureCollection",
            "features": [f for f in (found or {}).get("features", []) if f["id"] in wanted]}


def map_figure_of(doc: dict, width: int, height: int) -> dict:
    """The choropleth of the snapshot's metric, drawn as SVG (dashboard.figures.static_map: the web map's
    MapLibre needs software WebGL in the renderer, ~3 s a picture), fitted to the picture's size."""
    spec = metric_spec(doc)
    shapes = children_geojson(doc)
    fig = map_figure.district_map(shapes, spec["rows"], spec["label"], spec["fmt"],
                                  spec["zmin"], spec["zmax"], reverse=spec["reverse"])
    picture = static_map(fig, shapes, width, height)  # an area without boundaries: an empty picture, not an error
    return {"data": picture["data"], "layout": _font(picture["layout"])}


def offmap_figure_of(doc: dict) -> dict:
    spec = metric_spec(doc)
    fig = map_figure.offmap_bar(spec["rows"], spec["label"], spec["zmin"], spec["zmax"], spec["fmt"],
                                reverse=spec["reverse"])
    return {"data": fig["data"], "layout": _font(dict(fig["layout"]))}


def ranking_figure_of(doc: dict, metric: str | None = None) -> dict:
    """The overview's ranking bars of `metric` (default: the snapshot's), lagging units named in the lagging colour.
    Sized by the caller: the page's fixed height is dropped."""
    spec = metric_spec(doc, metric)
    lag = {x["code"] for x in doc["lagging"]}
    fig = figures.ranking_bar(spec["rows"], spec["label"], spec["zmin"], spec["zmax"], spec["reverse"], lag)
    layout = dict(fig["layout"])
    layout.pop("height", None)
    return {"data": fig["data"], "layout": _font(layout)}


def composition_figure_of(doc: dict, part: str) -> dict:
    """The overview's composition bars (单独开展企业 / 区域 / 行业 per stage) of one part ("ents", "workers", "copies")."""
    fig = figures.composition(pd.DataFrame(doc["lines"]), part)
    layout = dict(fig["layout"])
    layout.pop("height", None)
    return {"data": fig["data"], "layout": _font(layout)}


def line_table(doc: dict) -> list[dict]:
    """The attachment's three rows (单独开展企业, 区域, 行业) and their sum ("合计"), measures as stored."""
    by_kind = {line["kind"]: line for line in doc["lines"]}
    rows = [by_kind[k] for k in LINE_KINDS if k in by_kind]
    total = {"kind": "total", "label": "合计",
             **{m: sum(int(r.get(m) or 0) for r in rows) for m in MEASURES}}
    return [*rows, total]


def lagging_units(doc: dict) -> list[dict]:
    """Lagging units in order of severity, each with its reasons and its unit row (key figures)."""
    units = {u["code"]: u for u in doc["units"]}
    return [{**x, "unit": units.get(x["code"], {})} for x in doc["lagging"]]


def rule_lines(doc: dict) -> list[str]:
    """How a unit comes to be called lagging, with the snapshot's own thresholds (domain.lagging.Thresholds)."""
    th = doc.get("thresholds") or {}
    w = area_word(doc)
    lines = [
        ("pace", f"{label('target_progress')}低于应达进度 {th.get('pace_gap_points', 10):g} 个百分点以上（且落后于{w}）"),
        ("filing", f"{label('filing_rate')}低于{w} {th.get('filing_gap_points', 15):g} 个百分点以上"),
        ("stale", f"{th.get('stale_days', 10)} 天以上未报送"),
        ("coverage", f"按目前进度预计期末覆盖率达不到目标（且落后于{w}）"),
    ]
    return [f"{RULE_LABELS[rule]}：{text}" for rule, text in lines]


def key_figures(unit: dict) -> list[tuple[str, str]]:
    """A unit's few headline figures, as the page writes them: (label, text)."""
    out = [(BY_KEY[k].header, BY_KEY[k].text(unit.get(k))) for k in ("target_progress", "ent_coverage", "filing_rate")]
    return [*out, ("最近报送", cell(unit.get("last_report_date"), "date"))]


def progress_series(doc: dict) -> tuple[list[str], list[float], list[float]]:
    """Dates (as "3月10日"), the city's 签约覆盖企业 / 目标企业数 and the expected pace, per report date."""
    target = doc["kpis"]["now"]["target_ents"] or 0
    dates = [day(d) for d in doc["trend"]["dates"]]
    progress = [(v / target if target else 0.0) for v in doc["trend"]["signed_ents"]]
    return [f"{d.month}月{d.day}日" for d in dates], progress, list(doc["trend"]["expected"])


WEEK_MS = 7 * 24 * 3600 * 1000


def progress_figure_of(doc: dict) -> dict:
    """The city's progress against the expected pace: weekly date ticks ("3月1日"), a percent axis."""
    labels, progress, expected = progress_series(doc)
    x = doc["trend"]["dates"]
    layout = theme.base_layout(
        margin={"l": 70, "r": 30, "t": 50, "b": 50}, showlegend=True,
        legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
        xaxis={"tickformat": "%-m月%-d日", "showgrid": True, "gridcolor": "#e6e6e6",
               "tick0": doc["campaign"]["window_start"], "dtick": WEEK_MS},
        yaxis={"tickformat": ".0%", "rangemode": "tozero", "showgrid": True, "gridcolor": "#e6e6e6"},
    )
    return {"data": [
        {"type": "scatter", "name": f"{area_word(doc)}{label('target_progress')}", "x": x, "y": progress, "mode": "lines+markers",
         "line": {"color": theme.STAGE_COLOURS["signed"], "width": 3}},
        {"type": "scatter", "name": "应达进度", "x": x, "y": expected, "mode": "lines",
         "line": {"color": theme.PACE, "width": 2, "dash": "dash"}},
    ], "layout": _font(layout)}


# ---------------------------------------------------------------- 工作落实 (follow-up panel)

FOLLOWUP_HEADERS = ("单位", "典型", "指导员（在岗/应配）", "近期工作日志", "实效评价", "拒绝协商案件")


def _followup_cells(row: dict, dims: dict[int, str], days: int) -> list[tuple[str, bool]]:
    """(text, needs attention) per column of FOLLOWUP_HEADERS, as the overview's panel writes them."""
    cases = row.get("cases")
    if cases is None:
        case = ("—", False)
    else:
        text = f"{cases['total']} 个" + (f" / 目标 {cases['target']}" if cases.get("target") else "")
        case = (text + (f"（市级 {cases['city_level']}）" if cases.get("city_level") else ""), cases["total"] == 0)
    if row["required"] is None:
        staff = ((f"{row['staffed']} 人（未定编）" if row["staffed"] else "未定编"), False)
    else:
        staff = (f"{row['staffed']}/{row['required']}" + (f"，缺 {row['gap']}" if row["gap"] else ""), row["gap"] > 0)
    if row["required"] is None and not row["staffed"]:
        activity = ("—", False)
    elif row["inactive"]:
        last = day(row.get("last_log"))
        activity = (f"{days} 天无记录" + (f"（末次 {last.month}月{last.day}日）" if last else "（从未记录）"), True)
    else:
        activity = (f"近 {days} 天 {row['recent_logs']} 条", False)
    if row.get("score") is None:
        evaluation = ("未评价", False)
    else:
        weakest = dims.get(row.get("weakest"))
        evaluation = (f"{half_up(row['score'], 1)} 分" + (f" · 弱项 {weakest}" if weakest else ""), False)
    if not row["open"]:
        refusal = ("无未结案件", False)
    else:
        refusal = (f"{row['open']} 起未结" + (f"，{row['overdue']} 起逾期" if row["overdue"] else ""), row["overdue"] > 0)
    return [(row["name"], False), case, staff, activity, evaluation, refusal]


def followup_table(doc: dict) -> list[list[tuple[str, bool]]]:
    """The 各单位工作落实 table: per unit, cells (text, needs attention); [] when the snapshot has none."""
    f = doc.get("followup")
    if not f or not f.get("rows"):
        return []
    dims = {d["id"]: d["name"] for d in f["dims"]}
    return [_followup_cells(r, dims, f["days"]) for r in f["rows"]]


def followup_attention(doc: dict) -> list[tuple[str, list[str]]]:
    """What needs doing, unit by unit: (heading, entries) for 指导员, 工作日志, 监督检查, 典型 and 实效评价."""
    f = doc.get("followup")
    if not f or not f.get("rows"):
        return []
    rows, days = f["rows"], f["days"]
    dims = {d["id"]: d["name"] for d in f["dims"]}
    scored = sorted((r for r in rows if r.get("score") is not None), key=lambda r: r["score"])
    tracked = [r for r in rows if r["required"] is not None or r["staffed"]]
    return [
        ("专职指导员缺编", [f"{r['name']} 缺 {r['gap']} 人" for r in rows if r["gap"]]),
        (f"{days} 天无工作日志", [r["name"] for r in tracked if r["inactive"]]),
        ("拒绝协商案件逾期未整改", [f"{r['name']} {r['overdue']} 起" for r in rows if r["overdue"]]),
        ("典型未达年度培育目标", [f"{r['name']} 差 {r['cases']['gap']} 个" for r in rows
                            if r.get("cases") and r["cases"].get("gap")]),
        ("实效评价得分最低", [f"{r['name']} {half_up(r['score'], 1)} 分" + (f"（弱项 {dims[r['weakest']]}）"
                                                                        if r.get("weakest") in dims else "")
                           for r in scored[:4]]),
        ("尚未评价", [r["name"] for r in rows if r.get("score") is None]),
    ]
