"""Admin callbacks of /admin/units: fill the form for the chosen unit, save one unit, preview an
uploaded unit list and apply it.

The apply step does not trust anything the preview left in the browser: it parses the uploaded
file again and re-checks it against the database inside the write transaction. Every callback is
guarded by `require_role("admin")` (403 and an audit row for anyone else).
"""

from __future__ import annotations

import base64
import binascii

from dash import Input, Output, State, html, no_update
from sqlalchemy import select

from dashboard import context, ids, scope
from dashboard.context import actor, session
from dashboard.http.auth import require_role
from dashboard.pages import admin as admin_page
from dashboard.pages import admin_units as page
from db.accounts.queries import admin_units
from db.admin.common import AdminError
from db.admin.units import apply_import, parse_unit_file, plan_import, save_unit
from db.models import Unit


def decode_upload(contents: object, filename: object) -> tuple[str, bytes]:
    """dcc.Upload's data URL ("data:...;base64,....") as bytes, or AdminError in Chinese."""
    if not isinstance(contents, str) or not isinstance(filename, str) or "," not in contents:
        raise AdminError("请先选择要导入的文件")
    try:
        return filename, base64.b64decode(contents.split(",", 1)[1], validate=True)
    except (binascii.Error, ValueError):
        raise AdminError("文件内容无法读取（上传数据不完整）") from None


def _units(s) -> list[dict]:
    """The units this admin manages: all, or the subtree of their area."""
    return admin_units(s, scope.visible_units())


def check_scope(s, units: list[dict], writes: list[tuple[str | None, object]], new_codes=frozenset()) -> None:
    """An admin bound to an area writes only inside it. `writes`: (existing unit code or None for a
    new unit, parent code). Editing a unit outside is a forged request: 403, audited. A parent outside
    the area (or none: a root) is refused in Chinese (AdminError); the area's own top unit keeps its
    parent (it cannot be moved out or above)."""
    if not scope.bound():
        return
    mine = {u["code"]: u for u in units}
    top = next((u for u in units if u["id"] == scope.top_area_id()), None)
    for code, parent in writes:
        if code is not None and code not in mine and code not in new_codes:
            scope.refuse(f"单位 {str(code)[:40]}")
        parent = parent if isinstance(parent, str) and parent else None
        if top is not None and code == top["code"]:
            if parent != top["parent_code"]:
                raise AdminError(f"不能移动本辖区（{top['name']}）本身")
            continue
        if parent is None or (parent not in mine and parent not in new_codes):
            name = top["name"] if top else "本辖区"
            raise AdminError(f"{'新单位' if code is None else '单位 ' + code}的上级单位须在本辖区（{name}）内")


def _tables() -> tuple:
    with session() as s:
        units = _units(s)
    return page.units_table(units), page.unit_options(units), page.unit_options(units)[1:]


def register(app) -> None:
    _register_unit_form(app)
    _register_unit_import(app)


def _register_unit_form(app) -> None:
    @app.callback(
        Output(ids.AD_UNIT_CODE, "value"),
        Output(ids.AD_UNIT_NAME, "value"),
        Output(ids.AD_UNIT_KIND, "value"),
        Output(ids.AD_UNIT_PARENT, "value"),
        Output(ids.AD_UNIT_ADCODE, "value"),
        Output(ids.AD_UNIT_SORT, "value"),
        Input(ids.AD_UNIT_PICK, "value"),
    )
    @require_role("admin")
    def fill_form(code):
        unit = None
        if isinstance(code, str) and code != page.NEW:
            with session() as s:
                unit = next((u for u in _units(s) if u["code"] == code), None)
        return page.form_values(unit)

    @app.callback(
        Output(ids.AD_UNIT_RESULT, "children"),
        Output(ids.AD_UNITS, "children"),
        Output(ids.AD_UNIT_PICK, "options"),
        Output(ids.AD_UNIT_PARENT, "options"),
        Output(ids.AD_UNIT_PICK, "value"),
        Input(ids.AD_UNIT_SAVE, "n_clicks"),
        State(ids.AD_UNIT_PICK, "value"),
        State(ids.AD_UNIT_CODE, "value"),
        State(ids.AD_UNIT_NAME, "value"),
        State(ids.AD_UNIT_KIND, "value"),
        State(ids.AD_UNIT_PARENT, "value"),
        State(ids.AD_UNIT_ADCODE, "value"),
        State(ids.AD_UNIT_SORT, "value"),
        prevent_initial_call=True,
    )
    @require_role("admin")
    def save(_clicks, chosen, code, name, kind, parent, adcode, sort_order):
        fields = {"code": code, "name": name, "kind": kind, "parent": parent, "adcode": adcode, "sort_order": sort_order}
        try:
            if scope.bound():
                with session() as s:
                    check_scope(s, _units(s), [(None if chosen == page.NEW else chosen, parent)])
            with context.write() as s:
                unit_id = None
                if chosen != page.NEW:
                    unit_id = next((u["id"] for u in _units(s) if u["code"] == chosen), None)
                    if unit_id is None:
                        raise AdminError(f"单位 {chosen} 不存在")
                unit, changes = save_unit(s, unit_id, fields, **actor())
                saved_code = unit.code
        except AdminError as exc:
            return page.problems(exc.messages, "未保存"), no_update, no_update, no_update, no_update
        if unit_id is None:
            message = f"已新增单位 {saved_code}"
        else:
            message = f"已保存单位 {saved_code}：" + "；".join(changes) if changes else "没有修改"
        return admin_page.result(True, message), *_tables(), saved_code


def _check_import(s, specs) -> None:
    """An area admin's import: every unit already stored is theirs, every parent inside the area."""
    if not scope.bound():
        return
    units = _units(s)
    mine = {u["code"] for u in units}
    stored = set(s.scalars(select(Unit.code).where(Unit.code.in_([x.code for x in specs]))))
    outside = sorted(stored - mine)
    if outside:
        raise AdminError([f"单位 {c} 不在本辖区内，不能修改" for c in outside[:20]])
    check_scope(s, units, [(x.code if x.code in stored else None, x.parent) for x in specs],
                new_codes=frozenset(x.code for x in specs) - stored)


def _register_unit_import(app) -> None:
    @app.callback(
        Output(ids.AD_UNIT_PREVIEW, "children"),
        Output(ids.AD_UNIT_APPLY, "disabled"),
        Input(ids.AD_UNIT_UPLOAD, "contents"),
        State(ids.AD_UNIT_UPLOAD, "filename"),
        prevent_initial_call=True,
    )
    @require_role("admin")
    def preview(contents, filename):
        try:
            filename, content = decode_upload(contents, filename)
            specs = parse_unit_file(filename, content)
            with session() as s:
                _check_import(s, specs)
                plan = plan_import(s, specs)
        except AdminError as exc:
            return page.problems(exc.messages, f"文件 {filename or ''} 不能导入"), True
        return page.import_preview(plan, filename), plan.empty

    @app.callback(
        Output(ids.AD_UNIT_PREVIEW, "children", allow_duplicate=True),
        Output(ids.AD_UNIT_APPLY, "disabled", allow_duplicate=True),
        Output(ids.AD_UNITS, "children", allow_duplicate=True),
        Output(ids.AD_UNIT_PICK, "options", allow_duplicate=True),
        Output(ids.AD_UNIT_PARENT, "options", allow_duplicate=True),
        Input(ids.AD_UNIT_APPLY, "n_clicks"),
        State(ids.AD_UNIT_UPLOAD, "contents"),
        State(ids.AD_UNIT_UPLOAD, "filename"),
        prevent_initial_call=True,
    )
    @require_role("admin")
    def apply(_clicks, contents, filename):
        try:
            filename, content = decode_upload(contents, filename)
            specs = parse_unit_file(filename, content)
            with session() as s:
                _check_import(s, specs)
            with context.write() as s:
                plan = apply_import(s, specs, filename=filename, **actor())
        except AdminError as exc:
            return page.problems(exc.messages, "未导入"), True, no_update, no_update, no_update
        done = html.Div(admin_page.result(True, f"已导入 {filename}：新增 {len(plan.added)} 个单位，"
                                                f"修改 {len(plan.changed)} 个，{plan.unchanged} 个不变。"))
        return done, True, *_tables()
