from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from jiceng.core.errors import InvalidInput
from jiceng.notices import queries as notice_queries
from jiceng.notices import services as notice_services
from jiceng.notices import sms
from jiceng.taskforces import notices, services
from jiceng.taskforces.models import GapNotice

from .conftest import Force


@pytest.fixture
def channels(settings: Any) -> list[sms.SmsMessage]:
    settings.JICENG_NOTICE_CHANNELS = ["sms"]
    sms.LocmemBackend.outbox.clear()
    return sms.LocmemBackend.outbox


def test_gap_notice_reaches_members_living_there_and_they_take_the_gap(
    force: Force, other_member: Any, channels: list[sms.SmsMessage]
) -> None:
    services.sign_up(by=force.chen, shift=force.morning)
    told = notices.send_gap_notice(by=force.committee, task_force=force.tf)
    # 陈晓 and 黄敏 live in 文苑社区; 刘洋 lives elsewhere
    assert told == 2
    assert set(GapNotice.objects.values_list("user_id", flat=True)) == {
        force.chen.pk,
        force.huang.pk,
    }
    item = notice_queries.notices_of(force.huang)[0]
    assert item.kind == "突击队缺员" and "防汛抢险党员突击队" in item.text and "缺4人" in item.text
    assert item.link == reverse("taskforces:detail", args=[force.tf.pk])
    assert notice_queries.unread_count(force.huang) == 1
    assert notice_queries.notices_of(other_member) == []
    # sent by SMS, once
    assert notices.deliver_pending() == 2
    assert notices.deliver_pending() == 0
    assert len(channels) == 2 and all("防汛抢险党员突击队" in m.text for m in channels)
    # 黄敏 opens it and takes a gap
    client = Client()
    client.force_login(force.huang)
    page = client.get(item.link)
    assert "可报名的班次" in page.content.decode()
    answer = client.post(reverse("taskforces:sign_up", args=[force.afternoon.pk]))
    assert answer.status_code == 302
    force.afternoon.refresh_from_db()
    assert force.afternoon.taken == 1
    notice_services.mark_read(user=force.huang, source=notice_queries.TASKFORCE, pk=item.pk)
    assert notice_queries.unread_count(force.huang) == 0


def test_no_gap_no_notice(force: Force) -> None:
    from jiceng.taskforces.models import Shift

    Shift.objects.filter(task_force=force.tf).update(needed=1, taken=1)
    with pytest.raises(InvalidInput, match="无需发送"):
        notices.send_gap_notice(by=force.committee, task_force=force.tf)
    assert not GapNotice.objects.exists()


def test_only_the_committee_sends_gap_notices(force: Force) -> None:
    from jiceng.core.errors import NotFound

    with pytest.raises(NotFound):
        notices.send_gap_notice(by=force.chen, task_force=force.tf)
