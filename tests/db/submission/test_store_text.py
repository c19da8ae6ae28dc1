"""Control characters in a submission's text fields are refused by the store, the one place every
entry path (web form, Excel upload, API, CLI) stores through, before anything is written or audited
(on PostgreSQL a NUL byte in a query is a driver error, on SQLite it breaks the XLSX export)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import func, select

from db.engine import read_session
from db.models import AuditEvent, Campaign, Report
from db.submission.store import submit, submit_audited
from domain.validation import SubmissionRefused
from tests.db.submission.test_store import sub


@pytest.fixture
def campaign_id(preset_engine) -> int:
    with read_session(preset_engine) as s:
        return s.scalar(select(Campaign.id))


@pytest.mark.parametrize("field,label,value", [
    ("leader", "负责人", "王\x00建国"), ("filled_by", "填报人", "刘\x1f敏"), ("filled_by", "填报人", "刘\n敏"),
    ("reason", "更正原因", "漏报\x07"), ("unit_code", "单位代码", "371302\x00"), ("submitted_by", "报送人", "a\x7fb"),
])
def test_control_characters_are_refused_naming_the_field(preset_engine, campaign_id, field, label, value):
    extra = {"is_correction": True} if field == "reason" else {}
    bad = replace(sub(campaign_id), **{field: value}, **extra)
    with pytest.raises(SubmissionRefused) as refused:
        submit_audited(preset_engine, bad, actor="clerk")
    assert label in str(refused.value) and "控制字符" in str(refused.value)
    with pytest.raises(SubmissionRefused):
        submit(preset_engine, bad)
    with read_session(preset_engine) as s:
        assert s.scalar(select(func.count(Report.id))) == 0
        assert s.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "report.refused")) == 0


def test_a_reason_may_span_lines(preset_engine, campaign_id):
    assert submit(preset_engine, sub(campaign_id, leader="王建国")).version == 1
    stored = submit(preset_engine, sub(campaign_id, is_correction=True, reason="第一行\n第二行\t补正"))
    assert stored.version == 2


@pytest.mark.parametrize("bad_id", [10**40, 2**31, 0])
def test_an_out_of_range_campaign_id_is_refused_as_unknown(preset_engine, bad_id):
    with pytest.raises(SubmissionRefused) as refused:
        submit_audited(preset_engine, sub(bad_id), actor="clerk")
    assert "不存在" in str(refused.value)
