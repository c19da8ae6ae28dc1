"""Two provinces on the 临沂 demo database, and accounts bound to province A.

    A  370000 山东省 (province) → 371300 临沂市 (city) → every demo unit but one
    B  320000 江苏省 (province) → 320102 玄武区 (the demo's 罗庄区 371311 renamed and moved: it keeps
       its reports, review queue entries, typical cases and summary files)

Accounts: prov-leader / prov-admin bound to A; b-admin bound to B; demo-leader / demo-admin unbound
(the whole installation, as today)."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from db.accounts import auth
from db.engine import write_session
from db.models import Unit, User
from tests.http_helpers import PASSWORD, demo_app, login

B_UNIT = "320102"  # 玄武区, the only unit of province B
A_UNIT = "371302"  # 兰山区, in province A
SCOPE_PASSWORD = "scope-2017-pass!"
ACCOUNTS = {"prov-leader": ("leader", "370000"), "prov-admin": ("admin", "370000"), "b-admin": ("admin", "320000"),
            "city-admin": ("admin", "371300")}


def build_two_provinces(engine) -> None:
    with write_session(engine) as s:
        a = Unit(code="370000", name="山东省", kind="省", level="province", sort_order=0)
        b = Unit(code="320000", name="江苏省", kind="省", level="province", sort_order=1)
        s.add_all([a, b])
        s.flush()
        city = Unit(code="371300", name="临沂市", kind="市", level="city", parent_id=a.id, sort_order=0)
        s.add(city)
        s.flush()
        s.execute(update(Unit).where(Unit.id.not_in([a.id, b.id, city.id])).values(parent_id=city.id))
        s.execute(update(Unit).where(Unit.code == "371311")
                  .values(code=B_UNIT, name="玄武区", adcode=None, parent_id=b.id))
        for username, (role, area) in ACCOUNTS.items():
            auth.create_user(s, username, SCOPE_PASSWORD, role, None, actor="test")
            user = s.scalar(select(User).where(User.username == username))
            user.area_unit_id = s.scalar(select(Unit.id).where(Unit.code == area))


@pytest.fixture(scope="package")
def app(tmp_path_factory):
    app = demo_app(tmp_path_factory.mktemp("scope"))
    build_two_provinces(app.server.extensions["jizhong_engine"])
    return app


@pytest.fixture(scope="package")
def engine(app):
    return app.server.extensions["jizhong_engine"]


def client(app, username: str):
    c = app.server.test_client()
    password = SCOPE_PASSWORD if username in ACCOUNTS else PASSWORD[username]
    assert login(c, username, password).status_code == 302
    return c
