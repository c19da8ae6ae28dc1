"""/cases in Chromium: filters change the gallery, every gallery image loads from this server, a case
page opens with its photos; /summaries shows who has not submitted. Read-only on the shared demo."""

from __future__ import annotations

import re

from dashboard import ids
from tests.browser.conftest import assert_all_local, db_session, expect, wait_for_dash

# Every <img> in `selector` has loaded (naturalWidth > 0) and comes from this server's /files/ route.
_IMAGES_JS = """
(selector) => Array.from(document.querySelectorAll(selector + ' img')).map(
    img => [img.currentSrc || img.src, img.complete && img.naturalWidth > 0])
"""


def _demo_cases(demo_db_url):
    from sqlalchemy import select

    from db.cases import summaries
    from db.cases import typical as cases
    from db.demo import DEMO_NAME
    from db.models import Campaign

    with db_session(demo_db_url) as s:
        cid = s.scalar(select(Campaign.id).where(Campaign.name == DEMO_NAME))
        return cid, cases.list_cases(s, cid), summaries.summary_status(s, cid), {u["code"]: u["name"] for u in cases.units(s)}


def _images(page, selector: str, base: str) -> list[str]:
    page.wait_for_function(
        "(sel) => Array.from(document.querySelectorAll(sel + ' img')).every(i => i.complete)", arg=selector)
    shown = page.evaluate(_IMAGES_JS, selector)
    assert shown, f"no images in {selector}"
    broken = [src for src, ok in shown if not ok]
    assert not broken, f"images that did not load: {broken}"
    srcs = [src for src, _ in shown]
    assert all(src.startswith(f"{base}/files/") for src in srcs), srcs
    return srcs


def test_bcs001_filters_gallery_and_case_page(page, live_server, demo_db_url, requests_seen):
    campaign_id, listed, _status, _names = _demo_cases(demo_db_url)
    page.goto(f"{live_server}/cases")
    wait_for_dash(page)
    cards = page.locator(f"#{ids.CS_GALLERY} .cs-card")
    expect(cards).to_have_count(len(listed))
    with_photo = [c for c in listed if c["photos"]]
    srcs = _images(page, f"#{ids.CS_GALLERY}", live_server)
    assert len(srcs) == len(with_photo)
    assert sorted(s.removeprefix(live_server) for s in srcs) == sorted(c["thumb_url"] for c in with_photo)
    wall = _images(page, f"#{ids.CS_PHOTOS}", live_server)
    assert len(wall) == sum(len(c["photos"]) for c in listed)
    # Units with a target and no case are highlighted in the target table.
    # (one grid row per unit, all 23 on the first page of 50; the 情况 cell flagged)
    status = page.locator(f"#{ids.CS_TARGETS} .ag-row[row-id='371328'] [col-id='status']")
    expect(status).to_have_text("无典型")
    expect(status).to_have_class(re.compile(r"\bgrid-warn\b"))
    expect(page.locator(f"#{ids.CS_TARGETS} .ag-row[row-id='371302'] [col-id='status']")).not_to_have_text("无典型")

    # Filter: level 行业, then only 市级典型.
    page.locator(f"#{ids.CS_LEVEL}").click()
    page.get_by_role("option", name="行业", exact=True).click()
    wait_for_dash(page)
    industry = [c for c in listed if c["level"] == "industry"]
    expect(cards).to_have_count(len(industry))
    page.get_by_label("只看市级典型").check()
    wait_for_dash(page)
    both = [c for c in industry if c["city_level"]]
    assert 0 < len(both) < len(industry)
    expect(cards).to_have_count(len(both))
    shown = sorted(int(x) for x in cards.evaluate_all("els => els.map(e => e.dataset.caseId)"))
    assert shown == sorted(c["id"] for c in both)
    expect(page.locator(f"#{ids.CS_COUNT}")).to_contain_text(f"共 {len(both)} 个典型")

    # Open a case: the router renders /case/<id> with its photos, loaded from this server.
    case = both[0]
    page.locator(f".cs-card[data-case-id='{case['id']}'] .cs-title").click()
    page.wait_for_url(f"**/case/{case['id']}")
    wait_for_dash(page)
    expect(page.locator(f"#{ids.CS_DETAIL} h2")).to_have_text(case["title"])
    expect(page.locator(f"#{ids.CS_DETAIL} .city-level")).to_have_text("市级典型")
    detail = _images(page, f"#{ids.CS_DETAIL}", live_server)
    assert len(detail) == len(case["photos"])
    expect(page.locator(f"#{ids.CS_F_SAVE}")).to_have_count(0)  # a leader only views
    assert_all_local(requests_seen)


def test_bcs002_summaries_name_who_to_chase(page, live_server, demo_db_url):
    _cid, _listed, status, names = _demo_cases(demo_db_url)
    # The demo's summaries arrive 6月1日–12日, after its last report (5月31日, the default as-of date).
    page.goto(f"{live_server}/summaries?date=2017-06-12")
    wait_for_dash(page)
    missing = [names[c] for c, s in status.items() if not s["submitted"]]
    done = len(status) - len(missing)
    expect(page.locator(f"#{ids.SM_COUNTDOWN}")).to_contain_text(f"已报送书面总结 {done} / {len(status)} 个单位")
    expect(page.locator(f"#{ids.SM_COUNTDOWN} .sm-missing")).to_have_text("、".join(missing))
    # One grid row per unit (all 23 on the first page of 50); 逾期未报 for every unit still missing.
    expect(page.locator(f"#{ids.SM_TABLE} .ag-row[row-id='371323']")).to_contain_text("逾期报送")
    expect(page.locator(f"#{ids.SM_TABLE} .ag-center-cols-container .ag-row")).to_have_count(len(status))
    overdue = page.locator(f"#{ids.SM_TABLE} .ag-center-cols-container [col-id='state']", has_text="逾期未报")
    expect(overdue).to_have_count(len(missing))


def test_bcs003_reporter_creates_a_case_with_a_photo(page, tmp_path, monkeypatch):
    """Writes: its own database, upload directory and server."""
    import random

    from sqlalchemy import func, select

    from app import create_app
    from db.demo.cases import photo
    from db.models import AuditEvent
    from db.models.cases import TypicalCase
    from tests.browser.conftest import build_demo_database, serve, sign_in

    monkeypatch.setenv("UPLOAD_DIR", str(tmp_path / "uploads"))
    url = f"sqlite:///{tmp_path / 'cases.db'}"
    build_demo_database(url)
    with db_session(url) as s:
        own = s.scalar(select(TypicalCase).where(TypicalCase.title == "“四步协商法”提升协商实效"))  # 兰山区
        before = (own.id, own.updated_at, s.scalar(select(func.count()).where(AuditEvent.action == "case.update")))
    with serve(create_app({"DATABASE_URL": url, "TESTING": True})) as base:
        page.goto_anonymous(f"{base}/login")
        sign_in(page, "demo-lanshan")
        # Opening its own case shows the form and writes nothing.
        page.goto(f"{base}/case/{before[0]}")
        wait_for_dash(page)
        expect(page.locator(f"#{ids.CS_F_SAVE}")).to_be_visible()
        with db_session(url) as s:
            case = s.get(TypicalCase, before[0])
            assert case.updated_at == before[1]
            assert s.scalar(select(func.count()).where(AuditEvent.action == "case.update")) == before[2]

        page.goto(f"{base}/cases/new")
        wait_for_dash(page)
        expect(page.locator(f"#{ids.CS_F_UNIT}")).to_contain_text("兰山区")  # fixed to the reporter's unit
        page.fill(f"#{ids.CS_F_TITLE}", "浏览器测试典型")
        page.fill(f"#{ids.CS_F_SUBJECT}", "兰山区某企业")
        page.fill(f"#{ids.CS_F_SUMMARY}", "职工代表全程参与工资调整测算。")
        page.locator(f"#{ids.CS_F_LEVEL}").click()
        page.get_by_role("option", name="企业", exact=True).click()
        page.fill(f"#{ids.CS_F_STARTED}", "2017-04-01")
        page.set_input_files(f"#{ids.CS_F_PHOTOS} input[type=file]",
                             files=[{"name": "现场.jpg", "mimeType": "image/jpeg", "buffer": photo(random.Random(5))}])
        expect(page.locator(f"#{ids.CS_F_PHOTO_NAMES}")).to_contain_text("现场.jpg")
        page.click(f"#{ids.CS_F_SAVE}")
        page.wait_for_url("**/case/*")
        wait_for_dash(page)
        expect(page.locator(f"#{ids.CS_DETAIL} h2")).to_have_text("浏览器测试典型")
        assert len(_images(page, f"#{ids.CS_DETAIL}", base)) == 1
        with db_session(url) as s:
            created = s.scalars(select(TypicalCase).where(TypicalCase.title == "浏览器测试典型")).one()
            assert (created.stage, created.created_by) == ("cultivating", "demo-lanshan")
            assert page.url.endswith(f"/case/{created.id}")
