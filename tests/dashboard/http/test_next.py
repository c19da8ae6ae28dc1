"""next= after login: encoded whole on the way out, only same-site relative paths on the way back."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from dashboard.http.auth import login_url, safe_next


def test_login_url_keeps_the_whole_query_string():
    target = "/?campaign=2&date=2017-04-14&metric=filing_rate"
    url = login_url(target)
    assert url == "/login?next=/%3Fcampaign%3D2%26date%3D2017-04-14%26metric%3Dfiling_rate"
    assert parse_qs(urlsplit(url).query)["next"] == [target]


def test_login_url_of_a_plain_path():
    assert login_url("/district/371302") == "/login?next=/district/371302"


@pytest.mark.parametrize("target", ["/", "/district/371302?date=2017-04-14", "/?metric=filing_rate&date=x"])
def test_same_site_paths_are_kept(target):
    assert safe_next(target) == target


@pytest.mark.parametrize("target", [
    None, "", "https://evil.example/", "//evil.example/", "/\\evil.example", "\\\\evil.example",
    "javascript:alert(1)", "evil.example", "/\r\nSet-Cookie: x=1", "http:/x", " /",
])
def test_anything_else_goes_home(target):
    assert safe_next(target) == "/"
