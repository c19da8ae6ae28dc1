"""Saving a case from its form (db/cases/saving.py): who may save, and one transaction for the case and
its photos."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from db.cases import files, saving
from db.cases import typical as cases
from db.engine import read_session, write_session
from db.models import AuditEvent, Campaign
from db.models.cases import CasePhoto, StoredFile, TypicalCase
from tests.db.cases.test_typical import CASE, jpeg


@pytest.fixture
def campaign_id(preset_engine):
    with read_session(preset_engine) as s:
        return s.scalar(select(Campaign.id))


def _count(engine, model) -> int:
    with read_session(engine) as s:
        return s.scalar(select(func.count()).select_from(model))


def test_sav001_create_then_update_with_photos(preset_engine, campaign_id, tmp_path):
    engine, up = preset_engine, tmp_path / "uploads"
    with write_session(engine) as s:
        saved = saving.save_case(s, case_id=None, campaign_id=campaign_id, unit="371311", fields=CASE,
                                 photos=[(jpeg(), "a.jpg"), (jpeg(), "b.jpg")], directory=up,
                                 actor="demo-luozhuang", ip="10.0.0.9")
    assert saved.created and saved.photos == 2
    with write_session(engine) as s:
        again = saving.save_case(s, case_id=saved.case_id, campaign_id=None, unit="371311",
                                 fields={**CASE, "title": "新标题"}, photos=[], directory=up, actor="demo-luozhuang")
    assert again == saving.Saved(saved.case_id, created=False, photos=0)
    with read_session(engine) as s:
        case = cases.get_case(s, saved.case_id)
        assert case["title"] == "新标题" and case["unit_code"] == "371311"
        audits = list(s.execute(select(AuditEvent.action, AuditEvent.actor, AuditEvent.ip)
                                .where(AuditEvent.action.in_(("case.create", "case.update", "file.upload")))
                                .order_by(AuditEvent.id)))
    assert [a.action for a in audits] == ["case.create", "file.upload", "file.upload", "case.update"]
    assert {a.actor for a in audits} == {"demo-luozhuang"} and audits[0].ip == "10.0.0.9"
    assert _count(engine, CasePhoto) == 2 and _count(engine, StoredFile) == 2


def test_sav002_a_refused_photo_saves_nothing(preset_engine, campaign_id, tmp_path):
    engine, up = preset_engine, tmp_path / "uploads"
    with pytest.raises(files.FileRejected, match="“fake.jpg”不是有效的图片文件"), write_session(engine) as s:
        saving.save_case(s, case_id=None, campaign_id=campaign_id, unit="371311", fields=CASE,
                         photos=[(jpeg(), "good.jpg"), (b"not an image", "fake.jpg")], directory=up, actor="x")
    with pytest.raises(cases.CaseError, match="标题：必填"), write_session(engine) as s:
        saving.save_case(s, case_id=None, campaign_id=campaign_id, unit="371311", fields={**CASE, "title": ""},
                         photos=[], directory=up, actor="x")
    for model in (TypicalCase, CasePhoto, StoredFile):
        assert _count(engine, model) == 0
    assert not up.exists() or list(up.iterdir()) == []


def test_sav003_who_may_save(preset_engine, campaign_id, tmp_path):
    engine = preset_engine
    with write_session(engine) as s:
        case_id = cases.create_case(s, campaign_id, "371311", CASE, actor="x").id
    with read_session(engine) as s:
        def check(**kw):
            return saving.check_save(s, **{"case_id": None, "campaign_id": campaign_id, "unit": "371302", **kw})

        # A new case: a reporter's own unit whatever the form says; an admin's choice.
        assert check(role="reporter", own_unit="371311") == "371311"
        assert check(role="admin", own_unit=None) == "371302"
        with pytest.raises(cases.CaseError, match="单位：请选择"):
            check(role="admin", own_unit=None, unit="")
        with pytest.raises(cases.CaseError, match="行动：无效"):
            check(role="admin", own_unit=None, campaign_id=True)
        # An existing case keeps its unit; only its own unit's reporter or an admin may save it.
        assert check(case_id=case_id, role="reporter", own_unit="371311", unit="371302") == "371311"
        assert check(case_id=case_id, role="admin", own_unit=None) == "371311"
        for role, own in (("reporter", "371302"), ("leader", None)):
            with pytest.raises(cases.CaseError, match="只能修改本单位的典型"):
                check(case_id=case_id, role=role, own_unit=own)
        with pytest.raises(cases.CaseError, match="只能修改本单位的典型"):
            check(case_id=case_id + 999, role="admin", own_unit=None)
