"""A refusal never carries the personal data it refused, and never tells where a number is.

A mistyped phone number or ID number comes back in neither the error message nor the audit
record of the refusal. Registering an ID number that is registered already, inside the
user's scope or outside it, is answered with one sentence that names neither the number nor
where it is, and the attempt is an audit record naming the user (and the member who holds the
number), never the number.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.contrib.auth import authenticate
from django.test import Client, RequestFactory

from jiceng.accounts.audit_events import on_locked_out
from jiceng.accounts.models import User
from jiceng.core import audit, idnumbers
from jiceng.core.errors import InvalidInput
from jiceng.core.excel import RowError
from jiceng.core.models import AuditRecord, AuditResult
from jiceng.members import services
from jiceng.members.imports import import_members
from jiceng.members.models import Member
from jiceng.members.services import ID_NUMBER_TAKEN
from jiceng.testing.personas import Tree, add_member, member_fields

from .test_imports import filled, member_row, xlsx

SEPARATORS = re.compile(r"[\s.\-]")


def audit_log() -> str:
    """Every audit record as text, without the chain's hashes (hex digests may hold any digits)."""
    rows = AuditRecord.objects.values()
    return "\n".join(
        json.dumps({k: v for k, v in row.items() if k not in ("prev_hash", "hash")}, default=str)
        for row in rows
    )


def payload(tree: Tree, **overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "name": "黄磊",
        "id_number": idnumbers.make("320113", dt.date(1991, 4, 2), 311),
        "phone": "13951234567",
        "category": "EMPLOYED",
        "joined_on": "2015-07-01",
        "full_member_on": "2016-07-01",
        "status": "FULL",
        "organization_id": tree.branch.pk,
    }
    body.update(overrides)
    return body


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


# -- a mistyped number ------------------------------------------------------------------------


def test_a_mistyped_phone_number_is_in_neither_the_message_nor_the_audit_record(
    tree: Tree, secretary: User
) -> None:
    mistyped = "1395123456"  # one digit short

    response = signed_in(secretary).post(
        "/api/v1/members", payload(tree, phone=mistyped), content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["fields"]["phone"] == "手机号不正确，应为以1开头的11位数字"
    refusal = AuditRecord.objects.get(result=AuditResult.REFUSED)
    assert mistyped not in response.content.decode() and mistyped not in audit_log()
    assert "手机号不正确" in refusal.detail


@pytest.mark.parametrize(
    ("field", "typed"),
    [
        ("ethnicity", "138 1234 5678"),
        ("education", "320113199104023110"),
        ("joined_on", "+86 138-1234-5678"),
        ("is_mobile", "３２０１１３１９９１０４０２３１１０"),
    ],
)
def test_a_number_typed_into_another_field_is_masked_where_the_message_repeats_it(
    tree: Tree, field: str, typed: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        services.check_member_input(member_fields(**{field: typed}), organization=tree.branch)

    message = refused.value.fields[field]
    compact = idnumbers.normalize(SEPARATORS.sub("", message))
    assert "*" in message
    assert "12345678" not in compact and "19910402" not in compact, message


def test_the_audit_record_of_any_refusal_masks_a_number_its_message_repeats(
    secretary: User,
) -> None:
    request = RequestFactory().post("/api/v1/anything")
    request.user = secretary

    record = audit.record_refusal(request, InvalidInput("电话 138 1234 5678 不是本辖区的"))

    assert record is not None and "138 **** 5678" in record.detail and "1234" not in record.detail


def test_an_id_number_with_an_impossible_birth_date_is_refused_without_its_digits(
    tree: Tree, secretary: User
) -> None:
    bad = "320113199002301234"  # 30 February

    response = signed_in(secretary).post(
        "/api/v1/members", payload(tree, id_number=bad), content_type="application/json"
    )

    assert response.json()["fields"]["id_number"] == "身份证号第7至14位的出生日期不存在"
    assert "19900230" not in response.content.decode() and "19900230" not in audit_log()


def test_a_phone_number_typed_as_a_username_is_masked_in_the_failed_sign_in_record(
    db: None,
) -> None:
    authenticate(username="13812345678", password="wrong")
    authenticate(username="138-1234-5678", password="wrong")
    on_locked_out(sender=None, username="１３８１２３４５６７８")

    log = audit_log()
    assert "13812345678" not in log and "1234" not in log and "１２３４" not in log
    usernames = set(AuditRecord.objects.values_list("username", flat=True))
    assert usernames == {"138****5678", "138-****-5678", "１３８****５６７８"}


def test_a_known_username_is_kept_as_it_is(secretary: User) -> None:
    authenticate(username=secretary.username, password="wrong")

    assert AuditRecord.objects.get().username == secretary.username


# -- an ID number registered already ----------------------------------------------------------


def test_an_id_number_registered_outside_the_scope_is_answered_without_number_or_place(
    tree: Tree, secretary: User
) -> None:
    taken = idnumbers.make("320113", dt.date(1988, 8, 8), 77)
    holder = add_member(tree.yaohua_branch, name="刘洋", id_number=taken)  # another street

    response = signed_in(secretary).post(
        "/api/v1/members", payload(tree, id_number=taken), content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json() == {"detail": ID_NUMBER_TAKEN, "fields": {"id_number": ID_NUMBER_TAKEN}}
    attempt = AuditRecord.objects.get(action="members.id_number_taken")
    assert attempt.user_id == secretary.pk and attempt.result == AuditResult.REFUSED
    assert (attempt.target_type, attempt.target_id) == ("members.member", str(holder.pk))
    assert taken[6:] not in audit_log()
    assert not Member.objects.filter(name="黄磊").exists()


def test_changing_a_member_to_a_registered_id_number_gets_the_same_answer(
    tree: Tree, secretary: User
) -> None:
    mine = add_member(tree.branch, name="何平")
    taken = idnumbers.make("320113", dt.date(1970, 3, 3), 301)
    holder = add_member(tree.yaohua_branch, name="刘洋", id_number=taken)

    response = signed_in(secretary).patch(
        f"/api/v1/members/{mine.pk}", {"id_number": taken}, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["detail"] == ID_NUMBER_TAKEN
    attempt = AuditRecord.objects.get(action="members.id_number_taken")
    assert attempt.user_id == secretary.pk and attempt.target_id == str(holder.pk)
    assert taken[6:] not in audit_log()
    assert Member.objects.get(pk=mine.pk).id_number_digest != holder.id_number_digest


def test_an_import_names_its_own_repeats_but_not_numbers_registered_elsewhere(
    tree: Tree, secretary: User
) -> None:
    taken = idnumbers.make("320113", dt.date(1966, 6, 6), 661)
    holder = add_member(tree.yaohua_branch, name="刘洋", id_number=taken)
    twice = idnumbers.make("320113", dt.date(1977, 7, 7), 771)
    rows = [
        member_row(name="甲", id_number=taken),
        member_row(name="乙", id_number=twice),
        member_row(name="丙", id_number=twice),
    ]

    result = import_members(xlsx(filled(rows)), into=tree.branch, by=secretary)

    assert result.errors == [
        RowError(2, "身份证号", ID_NUMBER_TAKEN),
        RowError(3, "身份证号", "该身份证号在本次导入中重复出现（另见第4行）"),
        RowError(4, "身份证号", "该身份证号在本次导入中重复出现（另见第3行）"),
    ]
    attempt = AuditRecord.objects.get(action="members.id_number_taken")
    assert attempt.user_id == secretary.pk and attempt.target_id == str(holder.pk)
    assert taken[6:] not in audit_log() and twice[6:] not in audit_log()
