"""/files/<id> and the xlsx template: a leader or admin bound to province A gets nothing of province B."""

from __future__ import annotations

from sqlalchemy import select

from db.engine import read_session
from db.models import Unit
from db.models.cases import CasePhoto, SummaryFile, TypicalCase
from tests.dashboard.scope.conftest import A_UNIT, B_UNIT, client


def file_of(engine, code: str) -> int:
    """A file shown with a summary (else a case photo) of the unit."""
    with read_session(engine) as s:
        unit_id = s.scalar(select(Unit.id).where(Unit.code == code))
        found = s.scalar(select(SummaryFile.file_id).where(SummaryFile.unit_id == unit_id).limit(1))
        return found or s.scalar(select(CasePhoto.file_id).join(TypicalCase, TypicalCase.id == CasePhoto.case_id)
                                 .where(TypicalCase.unit_id == unit_id).limit(1))


def test_scope_files001_another_provinces_file_is_refused(app, engine):
    theirs, ours = file_of(engine, B_UNIT), file_of(engine, A_UNIT)
    assert theirs and ours
    for who in ("prov-leader", "prov-admin"):
        c = client(app, who)
        assert c.get(f"/files/{theirs}").status_code == 403
        assert c.get(f"/files/{theirs}/thumb").status_code == 403
        assert c.get(f"/files/{ours}").status_code != 403
    b = client(app, "b-admin")
    assert b.get(f"/files/{ours}").status_code == 403
    assert b.get(f"/files/{theirs}").status_code != 403
    assert client(app, "demo-leader").get(f"/files/{theirs}").status_code != 403  # unbound: as today


def test_scope_files002_template_of_another_province_is_refused(app):
    for who in ("prov-leader", "prov-admin"):
        c = client(app, who)
        assert c.get(f"/submit/template.xlsx?unit={B_UNIT}").status_code == 403
        assert c.get(f"/submit/template.xlsx?unit={A_UNIT}").status_code == 200
    assert client(app, "b-admin").get(f"/submit/template.xlsx?unit={A_UNIT}").status_code == 403
    assert client(app, "demo-admin").get(f"/submit/template.xlsx?unit={B_UNIT}").status_code == 200
