"""Every refusal a user reads derives from domain.errors.UserError, and str() is its Chinese message."""

from __future__ import annotations

import pytest

from db.accounts.auth import AccountLocked, AuthError
from db.admin.common import AdminError
from db.cases.files import FileRejected
from db.cases.typical import CaseError
from db.demo import DemoError
from db.snapshots import SnapshotError
from db.submission.preview import PreviewRefused
from db.submission.review import ReviewError
from db.submission.xlsx_import import CellIssue, WorkbookRefused
from domain.errors import UserError
from domain.followup import ActionError
from domain.validation import Issue, SubmissionRefused

CASES = [
    (AuthError("用户名或密码错误"), "用户名或密码错误"),
    (AccountLocked("账户已锁定"), "账户已锁定"),
    (ReviewError("报表已审核"), "报表已审核"),
    (DemoError("演示数据无法重置"), "演示数据无法重置"),
    (AdminError(["行动名称：必填", "截止日期：无效"]), "行动名称：必填；截止日期：无效"),
    (AdminError("请选择行动"), "请选择行动"),
    (FileRejected("“a.exe”不是图片"), "“a.exe”不是图片"),
    (ActionError("电话：格式不对"), "电话：格式不对"),
    (CaseError("典型不存在"), "典型不存在"),
    (SubmissionRefused([Issue("leader", "负责人：必填"), Issue("total", "合计不符", "regional")]), "负责人：必填；合计不符"),
    (SnapshotError("快照 3 不存在"), "快照 3 不存在"),
    (WorkbookRefused([CellIssue("报送表", "C5", "offers", "报送表 C5：不是整数")]), "报送表 C5：不是整数"),
    (PreviewRefused("请先点“预览”"), "请先点“预览”"),
]


@pytest.mark.parametrize(("exc", "text"), CASES, ids=[type(c[0]).__name__ for c in CASES])
def test_err001_user_errors_share_one_base_and_speak_chinese(exc, text):
    assert isinstance(exc, UserError)
    assert str(exc) == text
    assert exc.message == text
    with pytest.raises(UserError):
        raise exc


def test_err002_where_names_the_place():
    exc = UserError("不是整数", where="报送表 C5")
    assert (str(exc), exc.message, exc.where) == ("不是整数", "不是整数", "报送表 C5")
    assert UserError("无").where is None


def test_err003_the_submit_page_refusal_is_a_user_error():
    from dashboard.pages.submit_flow import Refused

    exc = Refused("请选择单位")
    assert isinstance(exc, UserError) and str(exc) == exc.message == "请选择单位"
