"""通知中心: a user's notices of both apps, newest first, marked read; the top bar's count."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.template import RequestContext, Template
from django.test import Client, RequestFactory
from django.urls import reverse

from jiceng.accounts.models import Role, User
from jiceng.cases.models import Case
from jiceng.cases.models import Notice as CaseNotice
from jiceng.core import clock
from jiceng.notices import queries
from jiceng.notices.context_processors import unread_notices
from jiceng.orglife import reminders, tasks
from jiceng.orglife.models import Meeting, Notice, NoticeKind
from jiceng.testing.orglife_personas import Branch
from jiceng.testing.personas import Tree, user_with

CENTRE = reverse("notices:centre")
MAY_20 = dt.datetime(2025, 5, 20, 9, 0, tzinfo=clock.CHINA)


def client_of(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def read_url(source: str, pk: int) -> str:
    return reverse("notices:read", args=[source, pk])


@pytest.fixture(autouse=True)
def meeting_notices(request: pytest.FixtureRequest) -> None:
    """The theme day's notices, which its scheduling queues on commit (never, in a test)."""
    if "theme_day" in request.fixturenames:
        meeting = request.getfixturevalue("theme_day")
        with clock.frozen(dt.datetime(2025, 5, 1, 9, 0, tzinfo=clock.CHINA)):
            tasks.send_meeting_notices.call([meeting.pk])


@pytest.fixture
def case_notice(submit_case: Callable[..., Case], orglife_branch: Branch) -> CaseNotice:
    """A case's notice to 陈晓, written after her meeting notice."""
    case = submit_case()
    return CaseNotice.objects.create(
        user=orglife_branch.chen,
        case=case,
        text="您反映的诉求已办结",
        created_at=clock.now() + dt.timedelta(minutes=1),
    )


def test_the_centre_lists_the_notices_of_both_apps_newest_first(
    theme_day: Meeting, orglife_branch: Branch, case_notice: CaseNotice
) -> None:
    page = client_of(orglife_branch.chen).get(CENTRE)
    html = page.content.decode()
    assert page.status_code == 200
    assert html.index("您反映的诉求已办结") < html.index("5月15日 15:00召开五月主题党日")
    assert reverse("orglife:meeting", args=[theme_day.pk]) in html
    # 陈晓 cannot open the case's page: its notice carries no link to it
    assert reverse("cases:detail", args=[case_notice.case_id]) not in html
    assert page.context["unread_notices"] == 2


def test_marking_one_read_lowers_the_count(
    theme_day: Meeting, orglife_branch: Branch, case_notice: CaseNotice
) -> None:
    client = client_of(orglife_branch.chen)
    meeting_notice = Notice.objects.get(meeting=theme_day, member=orglife_branch.chen.member)

    assert client.post(read_url("orglife", meeting_notice.pk)).status_code == 302
    assert queries.unread_count(orglife_branch.chen) == 1
    assert client.post(read_url("case", case_notice.pk)).status_code == 302
    case_notice.refresh_from_db()
    assert case_notice.read_at is not None
    assert queries.unread_count(orglife_branch.chen) == 0
    assert "未读</strong>" not in client.get(CENTRE).content.decode()


def test_mark_all_read(theme_day: Meeting, orglife_branch: Branch, case_notice: CaseNotice) -> None:
    client = client_of(orglife_branch.chen)
    assert client.post(reverse("notices:read_all")).status_code == 302
    assert queries.unread_count(orglife_branch.chen) == 0
    # the other member's notice of the same meeting stays unread
    assert queries.unread_count(orglife_branch.zhao) == 1


def test_someone_elses_notice_cannot_be_marked(
    theme_day: Meeting, orglife_branch: Branch, case_notice: CaseNotice
) -> None:
    zhao = client_of(orglife_branch.zhao)
    chen_notice = Notice.objects.get(meeting=theme_day, member=orglife_branch.chen.member)
    assert zhao.post(read_url("orglife", chen_notice.pk)).status_code == 404
    assert zhao.post(read_url("case", case_notice.pk)).status_code == 404
    assert zhao.post(read_url("other", 1)).status_code == 404
    assert queries.unread_count(orglife_branch.chen) == 2


def test_a_branch_warning_is_read_by_each_of_its_managers_for_themselves(
    tree: Tree, secretary: User, sibling_secretary: User
) -> None:
    committee_member = user_with("zhou-wei", Role.COMMITTEE_MEMBER, organization=tree.branch)
    with clock.frozen(MAY_20):
        reminders.warn_secretaries()
    warning = Notice.objects.get(organization=tree.branch)

    assert queries.unread_count(secretary) == 1
    assert queries.unread_count(committee_member) == 1
    assert warning.pk not in {
        i.pk for i in queries.notices_of(sibling_secretary) if i.source == "orglife"
    }
    client_of(secretary).post(read_url("orglife", warning.pk))
    assert queries.unread_count(secretary) == 0
    assert queries.unread_count(committee_member) == 1
    assert "尚未安排" in client_of(committee_member).get(CENTRE).content.decode()


def test_the_centre_asks_a_visitor_to_sign_in(db: None) -> None:
    page = Client().get(CENTRE)
    assert page.status_code == 302 and reverse("accounts:login") in page["Location"]


def test_the_bell_shows_the_unread_count(theme_day: Meeting, orglife_branch: Branch) -> None:
    request = RequestFactory().get("/")
    request.user = orglife_branch.chen
    bell = Template("{% include 'notices/bell.html' %}")
    html = bell.render(RequestContext(request, unread_notices(request)))
    assert 'href="/notices/"' in html
    assert '<span class="notice-count">1</span>' in html
    Notice.objects.bulk_create(
        Notice(
            kind=NoticeKind.MEETING_NOTICE,
            member_id=orglife_branch.chen.member_id,
            text=f"通知{i}",
            created_at=clock.now(),
        )
        for i in range(120)
    )
    html = bell.render(RequestContext(request, unread_notices(request)))
    assert '<span class="notice-count">99+</span>' in html


def test_the_count_is_not_read_on_a_page_that_does_not_show_it(
    orglife_branch: Branch, django_assert_num_queries: Any
) -> None:
    request = RequestFactory().get("/")
    request.user = orglife_branch.chen
    with django_assert_num_queries(0):
        unread_notices(request)


def test_the_count_takes_a_fixed_handful_of_queries(
    tree: Tree, secretary: User, django_assert_max_num_queries: Any
) -> None:
    """The top bar's count on every page: the user's reach (roles) and the relations of the
    scope (transfers.grants: one read), the managed organizations' ids, one count per app
    (cases, orglife, taskforces); however many notices there are."""
    with clock.frozen(MAY_20):
        reminders.warn_secretaries()
    with django_assert_max_num_queries(6):
        assert queries.unread_count(secretary) == 1
