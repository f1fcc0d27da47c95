"""The outward channels (notices.channels, notices.sms): e-mail through Django's backend, SMS
through the gateway setting; the phone unsealed only to hand it to the gateway."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core import mail

from jiceng.accounts.models import User
from jiceng.cases.models import Case
from jiceng.cases.models import Notice as CaseNotice
from jiceng.cases.notices import deliver_pending, send_notices
from jiceng.core import clock
from jiceng.members.models import Member
from jiceng.notices import channels, sms
from jiceng.notices.sms import LocmemBackend, SmsMessage
from jiceng.orglife import tasks
from jiceng.orglife.models import Meeting
from jiceng.testing.orglife_personas import Branch
from jiceng.testing.personas import add_member

PHONE = "13812345678"


@pytest.fixture(autouse=True)
def empty_outboxes() -> None:
    LocmemBackend.outbox.clear()
    mail.outbox.clear()


def test_the_file_backend_writes_each_message_with_the_phone_masked(
    settings: Any, tmp_path: Path
) -> None:
    settings.JICENG_SMS_BACKEND = "jiceng.notices.sms.FileBackend"
    settings.JICENG_SMS_FILE_PATH = tmp_path / "sms"
    sent = sms.backend().send_messages(
        [SmsMessage(phone=PHONE, text="会议通知"), SmsMessage(phone="13900001111", text="提醒")]
    )
    written = (tmp_path / "sms" / "outbox.jsonl").read_text(encoding="utf-8")
    lines = [json.loads(line) for line in written.splitlines()]
    assert sent == 2
    assert [(line["to"], line["text"]) for line in lines] == [
        ("138****5678", "会议通知"),
        ("139****1111", "提醒"),
    ]
    assert PHONE not in written


@pytest.mark.django_db
def test_a_member_is_reached_by_the_phone_sealed_in_the_registry(
    tree: Any, caplog: pytest.LogCaptureFixture
) -> None:
    member = add_member(tree.branch, name="周敏", phone=PHONE)
    assert PHONE.encode() not in bytes(Member.objects.get(pk=member.pk).phone_sealed or b"")
    recipients = channels.recipients_of_members([member.pk])
    with caplog.at_level(logging.DEBUG):
        delivered = channels.deliver([(recipients[member.pk], "五月主题党日")])
    assert delivered.sms == 1
    assert LocmemBackend.outbox == [SmsMessage(phone=PHONE, text="【基层党建】五月主题党日")]
    assert PHONE not in caplog.text


@pytest.mark.django_db
def test_only_the_channels_in_use_send(tree: Any, settings: Any) -> None:
    member = add_member(tree.branch, name="周敏", phone=PHONE)
    User.objects.create_user(username="zhou-min", member=member, email="zhou@example.cn")
    recipients = channels.recipients_of_members([member.pk])
    settings.JICENG_NOTICE_CHANNELS = ["email"]
    assert channels.deliver([(recipients[member.pk], "通知")]).sms == 0
    assert LocmemBackend.outbox == []
    assert [m.to for m in mail.outbox] == [["zhou@example.cn"]]
    settings.JICENG_NOTICE_CHANNELS = []
    assert channels.deliver([(recipients[member.pk], "通知")]) == channels.Delivered()
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_failing_gateway_is_logged_without_the_numbers(
    tree: Any, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    member = add_member(tree.branch, name="周敏", phone=PHONE)
    settings.JICENG_SMS_BACKEND = "jiceng.notices.tests.test_channels.BrokenGateway"
    recipients = channels.recipients_of_members([member.pk])
    with caplog.at_level(logging.WARNING):
        assert channels.deliver([(recipients[member.pk], "通知")]).sms == 0
    assert "SMS notices not sent (1): ConnectionError" in caplog.text
    assert PHONE not in caplog.text and "5678" not in caplog.text


class BrokenGateway:
    def send_messages(self, messages: list[SmsMessage]) -> int:
        raise ConnectionError(f"gateway refused {messages[0].phone}")


def test_the_meeting_notice_reaches_the_member_by_every_channel(
    theme_day: Meeting, orglife_branch: Branch
) -> None:
    """theme_day was scheduled (the test's tasks run at once): its notice is in the centre's
    rows; sent again here with an e-mail address on the member's account."""
    User.objects.filter(pk=orglife_branch.chen.pk).update(email="chen@example.cn")
    LocmemBackend.outbox.clear()
    tasks.send_meeting_notices.call([theme_day.pk])
    assert [m.to for m in mail.outbox] == [["chen@example.cn"]]
    assert mail.outbox[0].subject == "基层党建云平台通知"
    assert mail.outbox[0].body == "5月15日 15:00召开五月主题党日：学习党章"
    chen_phone = Member.objects.get(user=orglife_branch.chen)
    assert chen_phone.phone_masked[-4:] in {m.phone[-4:] for m in LocmemBackend.outbox}


def test_a_new_case_reaches_the_grid_worker_by_email(
    submit_case: Callable[..., Case], grid_worker: User
) -> None:
    User.objects.filter(pk=grid_worker.pk).update(email="sun@example.cn")
    case = submit_case()
    assert CaseNotice.objects.filter(user=grid_worker, case=case).exists()
    assert mail.outbox == []  # the intake queued nothing: the batch sends it
    assert deliver_pending() == 1
    assert [m.to for m in mail.outbox] == [["sun@example.cn"]]
    assert mail.outbox[0].body == f"新诉求：{case.subject.name}（{case.number}）"


def test_each_case_notice_goes_out_once_and_a_stale_one_not_at_all(
    tree: Any, submit_case: Callable[..., Case]
) -> None:
    case = submit_case()
    deliver_pending()
    mail.outbox.clear()
    LocmemBackend.outbox.clear()
    worker = add_member(tree.branch, name="网格员甲", phone=PHONE)
    user = User.objects.create_user(username="worker-a", member=worker, email="a@example.cn")
    send_notices(user_ids=[user.pk], case_id=case.pk, text="诉求已超时")
    stale = CaseNotice.objects.create(
        user=user,
        case=case,
        text="两小时前的提醒",
        created_at=clock.now() - dt.timedelta(hours=2),
    )
    assert deliver_pending() == 2  # one e-mail, one SMS
    assert [m.to for m in mail.outbox] == [["a@example.cn"]]
    assert [m.text for m in LocmemBackend.outbox] == ["【基层党建】诉求已超时"]
    assert deliver_pending() == 0  # never twice
    assert len(mail.outbox) == 1
    stale.refresh_from_db()
    assert stale.sent_at is not None  # marked, not sent
    assert not CaseNotice.objects.filter(sent_at__isnull=True).exists()
