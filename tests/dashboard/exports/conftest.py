"""One demo database and one snapshot for every export test; the PDF and the PPTX are made once (a warm Chromium)."""

from __future__ import annotations

import pytest

from dashboard.exports import export
from db import snapshots
from db.demo import build_demo
from db.engine import make_engine, read_session, write_session
from db.migrate import upgrade


@pytest.fixture(scope="package")
def doc(tmp_path_factory):
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('exports') / 'db.sqlite'}")
    upgrade(engine)
    cid = build_demo(engine).campaign_id
    with write_session(engine) as s:
        cid, as_of = snapshots.default_view(s, cid)
        sid = snapshots.create(s, campaign_id=cid, as_of=as_of, metric="filing_rate", title="调度会 <测试>",
                               note="备注：第一行\n第二行", actor="demo-leader").id
    with read_session(engine) as s:
        d = snapshots.get(s, sid)
    engine.dispose()
    return d


@pytest.fixture(scope="package")
def pdf_bytes(doc):
    return export(doc, "pdf")


@pytest.fixture(scope="package")
def pptx_bytes(doc):
    return export(doc, "pptx")
