"""投诉建议: anyone signed in sends one, the system administrator answers, the author reads the
answer; nobody else reads it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from jiceng.accounts.models import User
from jiceng.core import clock
from jiceng.core.errors import Conflict, Forbidden, InvalidInput
from jiceng.core.models import AuditRecord
from jiceng.feedback import queries, services
from jiceng.feedback.models import Feedback, FeedbackStatus
from jiceng.testing.personas import verified_client


def client_of(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def send(user: User, **fields: str) -> Feedback:
    values = {"kind": "SUGGESTION", "subject": "字太小", "body": "会议页面的字太小，看不清"}
    return services.submit_feedback(by=user, **{**values, **fields})


def test_a_member_sends_a_suggestion_and_reads_the_answer(member_user: User, system_admin: User):
    client = client_of(member_user)
    page = client.get("/feedback/?from=/orglife/")
    assert page.status_code == 200 and 'value="/orglife/"' in page.content.decode()
    sent = client.post(
        "/feedback/",
        {
            "kind": "COMPLAINT",
            "subject": "签到码打不开",
            "body": "扫码后页面空白",
            "page": "/orglife/",
        },
    )
    assert sent.status_code == 302
    feedback = Feedback.objects.get()
    assert (feedback.author, feedback.kind, feedback.page) == (
        member_user,
        "COMPLAINT",
        "/orglife/",
    )
    assert feedback.status == FeedbackStatus.OPEN
    assert AuditRecord.objects.filter(action="feedback.submit").count() == 1

    admin = verified_client(system_admin)
    inbox = admin.get("/feedback/inbox/").content.decode()
    assert "签到码打不开" in inbox and "待答复（1）" in inbox
    answered = admin.post(f"/feedback/inbox/{feedback.pk}/", {"answer": "已修复，请再试一次"})
    assert answered.status_code == 302
    feedback.refresh_from_db()
    assert feedback.status == FeedbackStatus.ANSWERED and feedback.answered_by == system_admin
    assert AuditRecord.objects.filter(action="feedback.answer").count() == 1

    mine = client.get("/feedback/").content.decode()
    assert "已修复，请再试一次" in mine and "已答复" in mine
    assert "已修复，请再试一次" in client.get(f"/feedback/{feedback.pk}/").content.decode()


def test_an_empty_form_comes_back_with_the_reason_beside_each_field(member_user: User):
    page = client_of(member_user).post("/feedback/", {"kind": "SUGGESTION", "subject": " "})
    text = page.content.decode()
    assert page.status_code == 200 and 'id="subject-error">请填写标题' in text
    assert 'id="body-error">请填写内容' in text  # every field's reason at once
    assert not Feedback.objects.exists()
    too_long = client_of(member_user).post(
        "/feedback/", {"kind": "SUGGESTION", "subject": "长", "body": "字" * 2001}
    )
    assert "内容最多2000字（现有2001字）" in too_long.content.decode()
    assert not Feedback.objects.exists()


def test_refused_inputs_change_nothing(member_user: User):
    with pytest.raises(InvalidInput, match="请选择投诉或建议"):
        send(member_user, kind="PRAISE")
    with pytest.raises(InvalidInput, match="请填写内容"):
        send(member_user, body="   ")
    assert not Feedback.objects.exists()
    feedback = send(member_user, page="https://elsewhere.example/")
    assert feedback.page == ""  # only the platform's own pages are named


def test_a_day_holds_a_limited_number(member_user: User):
    with clock.frozen(dt.datetime(2026, 3, 1, 9, tzinfo=clock.CHINA)):
        for _ in range(services.DAILY_LIMIT):
            send(member_user)
        with pytest.raises(InvalidInput, match="一天内最多提交"):
            send(member_user)
    with clock.frozen(dt.datetime(2026, 3, 2, 9, 30, tzinfo=clock.CHINA)):
        send(member_user)
    assert Feedback.objects.count() == services.DAILY_LIMIT + 1


def test_only_the_system_administrator_answers_and_only_once(
    member_user: User, secretary: User, system_admin: User
):
    feedback = send(member_user)
    with pytest.raises(Forbidden):
        services.answer_feedback(feedback=feedback, answer="好的", by=secretary)
    feedback.refresh_from_db()
    assert feedback.status == FeedbackStatus.OPEN and feedback.answer == ""
    services.answer_feedback(feedback=feedback, answer="好的", by=system_admin)
    with pytest.raises(Conflict):
        services.answer_feedback(feedback=feedback, answer="改口", by=system_admin)
    feedback.refresh_from_db()
    assert feedback.answer == "好的"


def test_who_may_open_what(
    member_user: User, other_member: User, secretary: User, system_admin: User
):
    """Anonymous: sign in; another user: not found; a non-administrator: no inbox."""
    feedback = send(member_user)
    anonymous = Client()
    for url in ("/feedback/", f"/feedback/{feedback.pk}/", "/feedback/inbox/"):
        response = anonymous.get(url)
        assert response.status_code == 302 and "login" in response["Location"]
    assert client_of(other_member).get(f"/feedback/{feedback.pk}/").status_code == 404
    assert "字太小" not in client_of(other_member).get("/feedback/").content.decode()
    assert client_of(secretary).get("/feedback/inbox/").status_code == 403
    refused = client_of(secretary).post(f"/feedback/inbox/{feedback.pk}/", {"answer": "x"})
    assert refused.status_code == 403
    assert verified_client(system_admin).get(f"/feedback/{feedback.pk}/").status_code == 200
    assert queries.open_count() == 1


def test_the_inbox_shows_the_longest_waiting_first(member_user: User, system_admin: User):
    with clock.frozen(dt.datetime(2026, 3, 1, 9, tzinfo=clock.CHINA)):
        send(member_user, subject="先提的")
    with clock.frozen(dt.datetime(2026, 3, 2, 9, tzinfo=clock.CHINA)):
        send(member_user, subject="后提的")
    assert [f.subject for f in queries.inbox()] == ["先提的", "后提的"]
    assert queries.inbox(FeedbackStatus.ANSWERED).count() == 0
