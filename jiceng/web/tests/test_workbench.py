"""The workbench (工作台): every role lands on its own panels, with figures read from the rows
the test makes, and every link of the workbench and the top bar opens (200) for that user."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client

from jiceng.accounts.models import User
from jiceng.cases import services as case_services
from jiceng.cases import whistle
from jiceng.cases.models import Case, Notice
from jiceng.core import clock
from jiceng.members import services as member_services
from jiceng.notices import services as notice_services
from jiceng.notices.queries import ORGLIFE
from jiceng.orglife import compliance
from jiceng.orglife.attendance import request_leave
from jiceng.orglife.models import Meeting, MeetingKind
from jiceng.orglife.models import Notice as MeetingNotice
from jiceng.orglife.scheduling import schedule_meeting
from jiceng.orgs.models import Committee, CommitteeSeat, Post
from jiceng.testing.cases_personas import Units
from jiceng.testing.orglife_personas import DURING, Branch
from jiceng.testing.personas import Tree, add_member, member_fields, verified_client
from jiceng.web import workbench
from jiceng.web.workbench import Content, Figure, Item

# -- reading the page ----------------------------------------------------------------------------


@dataclass
class Panel:
    key: str
    title: str = ""
    note: str = ""
    figures: dict[str, str] = field(default_factory=dict)
    items: list[tuple[str, str, str]] = field(default_factory=list)  # label, note, href
    buttons: list[str] = field(default_factory=list)
    empty: str = ""  # the sentence of a panel with nothing to do


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node | str] = field(default_factory=list)

    @property
    def classes(self) -> list[str]:
        return self.attrs.get("class", "").split()

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children).strip()

    def all(self, tag: str = "", cls: str = "") -> Iterator[Node]:
        for child in self.children:
            if isinstance(child, Node):
                if (not tag or child.tag == tag) and (not cls or cls in child.classes):
                    yield child
                yield from child.all(tag, cls)

    def first(self, tag: str = "", cls: str = "") -> Node | None:
        return next(self.all(tag, cls), None)


VOID = {"input", "meta", "link", "br", "img", "hr"}


class Page(HTMLParser):
    """The page as a small tree: its workbench panels and every link it shows."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.root = Node("root", {})
        self._open = [self.root]
        self.feed(html)
        self.links = {a.attrs["href"] for a in self.root.all("a") if a.attrs.get("href")}
        self.panels = [self._panel(s) for s in self.root.all("section") if "data-panel" in s.attrs]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
        self._open[-1].children.append(node)
        if tag not in VOID:
            self._open.append(node)

    def handle_endtag(self, tag: str) -> None:
        while len(self._open) > 1:
            if self._open.pop().tag == tag:
                break

    def handle_data(self, data: str) -> None:
        self._open[-1].children.append(data)

    @staticmethod
    def _panel(section: Node) -> Panel:
        found = Panel(key=section.attrs["data-panel"])
        title, note = section.first("h2"), section.first("p", "panel-note")
        found.title = title.text() if title else ""
        found.note = note.text() if note else ""
        for figure in section.all("li", "figure"):
            value, label = figure.first("strong"), figure.first("span")
            assert value is not None and label is not None
            found.figures[label.text()] = value.text()
        todo = section.first("ul", "todo")
        for li in todo.all("li") if todo else ():
            link, item_note = li.first("a"), li.first("span", "todo-note")
            assert link is not None
            found.items.append(
                (link.text(), item_note.text() if item_note else "", link.attrs["href"])
            )
        actions = section.first("p", "panel-actions")
        found.buttons = [a.text().rstrip(" ›") for a in actions.all("a")] if actions else []
        empty = section.first("p", "muted")
        found.empty = empty.text() if empty else ""
        return found


def workbench_of(client: Client) -> Page:
    response = client.get("/")
    assert response.status_code == 200
    return Page(response.content.decode())


def panel(page: Page, key: str) -> Panel:
    found = [p for p in page.panels if p.key == key]
    assert found, f"no panel {key}: {[p.key for p in page.panels]}"
    return found[0]


def crawl(client: Client, page: Page) -> dict[str, int]:
    """Every link of the page, opened as the user would (redirects followed): their status."""
    answers = {}
    for href in sorted(page.links):
        if not href.startswith("/") or href.startswith("/static/"):
            continue
        response = client.get(href.split("#")[0], follow=True)
        answers[href] = response.status_code
    return answers


def assert_every_link_opens(client: Client, page: Page) -> None:
    answers = crawl(client, page)
    assert answers, "no links at all"
    assert {href: code for href, code in answers.items() if code != 200} == {}


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def frozen() -> Iterator[Callable[[dt.datetime], Any]]:
    """Freezes the clock at a time the test chooses (as often as it likes)."""
    stack: list[Any] = []

    def freeze(at: dt.datetime) -> None:
        while stack:
            stack.pop().__exit__(None, None, None)
        frozen_clock = clock.frozen(at)
        frozen_clock.__enter__()
        stack.append(frozen_clock)

    yield freeze
    while stack:
        stack.pop().__exit__(None, None, None)


# -- a member ----------------------------------------------------------------------------------


def test_a_member_sees_the_meeting_open_now_the_next_one_and_the_notices(
    tree: Tree, orglife_branch: Branch, theme_day: Meeting, frozen: Any
) -> None:
    frozen(dt.datetime(2025, 5, 2, 9, 0, tzinfo=clock.CHINA))
    june = schedule_meeting(
        organization=tree.branch,
        kind=MeetingKind.GENERAL_MEETING,
        title="六月支部党员大会",
        starts_at=dt.datetime(2025, 6, 10, 15, 0, tzinfo=clock.CHINA),
        ends_at=dt.datetime(2025, 6, 10, 17, 0, tzinfo=clock.CHINA),
        place="社区会议室",
        by=orglife_branch.secretary,
    )
    frozen(DURING)
    chen = orglife_branch.chen
    read = MeetingNotice.objects.create(
        kind="MEETING_REMINDER", member=chen.member, text="明天开会", created_at=clock.now()
    )
    MeetingNotice.objects.create(
        kind="MEETING_REMINDER", member=chen.member, text="后天开会", created_at=clock.now()
    )
    notice_services.mark_read(user=chen, source=ORGLIFE, pk=read.pk)
    unread = MeetingNotice.objects.filter(member=chen.member).count() - 1
    assert unread >= 1

    client = signed_in(chen)
    page = workbench_of(client)

    member = panel(page, "orglife.member")
    assert member.figures == {"待参加会议": "2", "正在签到": "1", "未读通知": str(unread)}
    labels = [label for label, _, _ in member.items]
    assert labels == [theme_day.title, june.title]
    assert member.items[0][1] == "正在进行：可线上参会"
    assert member.items[0][2] == f"/orglife/meetings/{theme_day.pk}/online/"
    assert member.items[1][1] == "6月10日 15:00 · 社区会议室"
    # a member is not a secretary, a department or a grid worker
    assert {p.key for p in page.panels} == {"orglife.member", "dues.member", "points.member"}
    assert_every_link_opens(client, page)


def test_a_member_without_meetings_is_told_so(member_user: User) -> None:
    page = workbench_of(signed_in(member_user))
    member = panel(page, "orglife.member")
    assert member.figures["待参加会议"] == "0"
    assert member.items == []


# -- a branch secretary --------------------------------------------------------------------------


def test_a_secretary_sees_the_months_requirements_leave_minutes_and_talks(
    tree: Tree, orglife_branch: Branch, theme_day: Meeting, frozen: Any
) -> None:
    frozen(dt.datetime(2025, 5, 1, 9, 0, tzinfo=clock.CHINA))
    lecture = schedule_meeting(
        organization=tree.branch,
        kind=MeetingKind.PARTY_LECTURE,
        title="五月党课",
        starts_at=dt.datetime(2025, 5, 10, 9, 0, tzinfo=clock.CHINA),
        ends_at=dt.datetime(2025, 5, 10, 11, 0, tzinfo=clock.CHINA),
        by=orglife_branch.secretary,
    )
    request_leave(meeting=theme_day, reason="出差在外", by=orglife_branch.zhao)
    frozen(DURING)

    client = signed_in(orglife_branch.secretary)
    page = workbench_of(client)

    branch = panel(page, "orglife.secretary")
    assert branch.note == f"{tree.branch.name} · 2025年5月"
    assert branch.figures == {"请假待批": "1", "记录待签发": "1"}
    items = {label: note for label, note, _ in branch.items}
    assert items["主题党日"] == "已安排：5月15日 15:00"
    assert items["支部党员大会"] == "待召开（本季度内）"
    assert items["党课"] == "已召开，会议记录待签发"  # counts once the minutes are signed
    assert items["谈心谈话"] == "2名党员尚未谈话（年内）"
    assert "支部委员会会议" not in items  # no committee recorded: not required
    assert items["赵磊请假：五月主题党日：学习党章"] == "事由：出差在外"
    assert items["会议记录待签发：五月党课"] == "5月10日 09:00"
    hrefs = {label: href for label, _, href in branch.items}
    assert hrefs["会议记录待签发：五月党课"] == f"/orglife/meetings/{lecture.pk}/#minutes"
    assert "安排会议" in branch.buttons
    assert {p.key for p in page.panels} == {
        "orglife.secretary",
        "development.branch",
        "dues.branch",
        "transfers.secretary",
        "appraisal.branch",
    }
    assert_every_link_opens(client, page)


# -- an organization department ------------------------------------------------------------------


def test_a_department_sees_its_subtree_last_months_compliance_terms_and_imports(
    tree: Tree, district_department: User, frozen: Any
) -> None:
    frozen(dt.datetime(2025, 5, 20, 10, 0, tzinfo=clock.CHINA))
    secretary = add_member(tree.branch, name="李秀英")
    add_member(tree.sibling, name="王建国")
    overdue = Committee.objects.create(
        organization=tree.branch, term_start=dt.date(2020, 4, 1), term_due=dt.date(2025, 4, 1)
    )
    CommitteeSeat.objects.create(committee=overdue, member=secretary, post=Post.SECRETARY)
    Committee.objects.create(  # due in a month, and no secretary on it
        organization=tree.sibling, term_start=dt.date(2022, 6, 20), term_due=dt.date(2025, 6, 20)
    )
    compliance.rollup_month(202504)  # no meeting held in April: all three branches fail
    rows = [
        member_services.check_member_input(member_fields(name=n), organization=tree.yaohua_branch)
        for n in ("邓志强", "马晓燕")
    ]
    member_services.create_members(rows=rows, by=district_department)
    tree.district.refresh_from_db()

    client = signed_in(district_department)
    page = workbench_of(client)

    subtree = panel(page, "orgs.subtree")
    assert subtree.note == tree.district.name
    assert subtree.figures == {
        "基层党组织": "4",  # the community's committee and three branches
        "党支部": "3",
        "党员": "4",
        "换届逾期": "1",
        "90天内换届": "1",
        "未配书记": "3",  # the community, the sibling (no secretary seat), 尧化's branch
    }
    assert tree.district.subtree_member_count == 4
    labels = [label for label, _, _ in subtree.items]
    assert labels[:2] == [f"换届逾期：{tree.branch.name}", f"即将换届：{tree.sibling.name}"]
    assert f"未配书记：{tree.sibling.name}" in labels

    lived = panel(page, "orglife.compliance")
    assert lived.note == f"{tree.district.name} · 2025年4月（上一个完整月）"
    assert lived.figures["达标率"] == "0.0%"
    assert lived.figures["未达标支部"] == "3"
    assert [label for label, _, _ in lived.items] == [tree.xianlin.name, tree.yaohua.name]

    imports = panel(page, "members.imports")
    assert [label for label, _, _ in imports.items] == ["导入党员 2 人"]
    assert "批量导入党员" in imports.buttons

    assert "orglife.secretary" not in {p.key for p in page.panels}
    assert_every_link_opens(client, page)


# -- cases: a grid worker, a street official, a department ---------------------------------------


@pytest.fixture
def two_cases(submit_case: Callable[..., Case], frozen: Any) -> list[Case]:
    frozen(dt.datetime(2025, 5, 1, 9, 0, tzinfo=clock.CHINA))
    return [submit_case(), submit_case(description="路灯不亮已经一周")]


def test_a_grid_worker_sees_the_inbox_the_overdue_cases_and_the_patrol(
    grid_worker: User, two_cases: list[Case], frozen: Any
) -> None:
    first, second = two_cases
    case_services.accept_case(case=second, by=grid_worker)
    frozen(dt.datetime(2025, 5, 1, 12, 0, tzinfo=clock.CHINA))  # past the time to sign for it
    client = signed_in(grid_worker)
    page = workbench_of(client)

    inbox = panel(page, "cases.inbox")
    unread = Notice.objects.filter(user=grid_worker, read_at__isnull=True).count()
    assert unread >= 2  # one for each new case in the grid
    assert inbox.figures == {"待办": "2", "已超时": "1", "未读提醒": str(unread)}
    first.refresh_from_db()
    assert inbox.items[0][0] == f"{first.number} {first.subject}"
    assert inbox.items[0][1].startswith("已超时 · 已派单")
    assert inbox.items[1][1].startswith("已签收")

    patrol = panel(page, "grid.patrol")
    assert patrol.buttons == ["开始巡查"]
    assert [label for label, _, _ in patrol.items] == ["文苑第一网格（XL-WY-01）"]
    assert {p.key for p in page.panels} == {"cases.inbox", "grid.patrol"}
    assert_every_link_opens(client, page)


def test_a_street_official_sees_the_dispatch_queue_and_open_summonses(
    division_official: User,
    grid_worker: User,
    urban_staff: User,
    units: Units,
    two_cases: list[Case],
) -> None:
    returned, summoned = two_cases
    case_services.return_case(case=returned, by=grid_worker, reason="不属于本网格")
    whistle.summon_departments(case=summoned, departments=[units.urban], by=division_official)
    client = signed_in(division_official)
    page = workbench_of(client)

    dispatch = panel(page, "cases.dispatch")
    assert dispatch.figures == {"待派单": "0", "被退单": "1", "待回访": "0"}
    assert [label for label, _, _ in dispatch.items] == [f"{returned.number} {returned.subject}"]
    assert "三率排名" in dispatch.buttons

    summons = panel(page, "cases.whistle")
    assert summons.figures == {"未完成吹哨": "1", "报到超时": "0"}
    assert summons.items[0][0] == f"{summoned.number} {summoned.subject}"
    assert_every_link_opens(client, page)


def test_a_department_sees_the_summonses_to_report(
    division_official: User, urban_staff: User, units: Units, two_cases: list[Case]
) -> None:
    summoned = two_cases[0]
    whistle.summon_departments(case=summoned, departments=[units.urban], by=division_official)
    client = signed_in(urban_staff)
    page = workbench_of(client)

    department = panel(page, "cases.department")
    assert department.figures == {"待报到": "1", "已报到待办结": "0"}
    assert department.items[0][0] == f"{summoned.number} {summoned.subject}"
    assert department.items[0][1].startswith("待报到")
    assert_every_link_opens(client, page)


# -- the administrators, and nobody ---------------------------------------------------------------


@pytest.mark.parametrize("who", ["system_admin", "security_admin", "audit_admin"])
def test_each_administrator_sees_the_way_into_their_administration(
    who: str, request: pytest.FixtureRequest
) -> None:
    user = request.getfixturevalue(who)
    client = verified_client(user)
    page = workbench_of(client)
    assert [p.key for p in page.panels] == ["accounts.admin"]
    assert "/admin/" in page.links
    assert_every_link_opens(client, page)


def test_an_administrator_passes_the_second_factor_before_the_workbench(
    audit_admin: User,
) -> None:
    response = signed_in(audit_admin).get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/second-factor/")


def test_an_account_without_a_role_lands_on_a_page_that_says_so(nobody: User) -> None:
    client = signed_in(nobody)
    page = workbench_of(client)
    assert page.panels == []
    assert "还没有分配角色" in client.get("/").content.decode()
    assert_every_link_opens(client, page)


def test_the_refusal_page_leads_back_to_the_workbench(member_user: User) -> None:
    client = signed_in(member_user)
    refused = client.get("/orgs/")
    assert refused.status_code == 403
    back = Page(refused.content.decode())
    assert "/" in back.links
    assert client.get("/").status_code == 200


# -- the registry ---------------------------------------------------------------------------------


def test_an_app_adds_a_panel_without_touching_the_workbench(member_user: User) -> None:
    def build(user: User) -> Content:
        return Content(items=[Item(f"{user}的学习", "/orglife/")])

    workbench.panel("study.progress", title="学习进度", order=16, shows=lambda u: True)(build)
    try:
        page = workbench_of(signed_in(member_user))
        keys = [p.key for p in page.panels]
        assert keys == ["orglife.member", "dues.member", "points.member", "study.progress"]
        assert panel(page, "study.progress").items == [("chen-xiao的学习", "", "/orglife/")]
    finally:
        workbench._registry.pop("study.progress")


@pytest.mark.parametrize(
    ("figures", "empty"),
    [
        ([Figure("待确认报到", 11, "/orglife/", tone="warn")], ""),
        ([Figure("待确认报到", 0, "/orglife/", tone="warn")], "暂无待办事项"),
        ([Figure("服务小时", 12, "/orglife/")], "暂无待办事项"),
        ([], "暂无待办事项"),
    ],
    ids=["a-count-to-act-on", "a-zero-count", "a-figure-to-read", "nothing"],
)
def test_a_panel_says_it_has_nothing_to_do_only_when_nothing_asks_for_action(
    member_user: User, figures: list[Figure], empty: str
) -> None:
    workbench.panel("study.reports", title="报到", order=16, shows=lambda u: True)(
        lambda user: Content(figures=figures)
    )
    try:
        shown = panel(workbench_of(signed_in(member_user)), "study.reports")
        assert (shown.figures, shown.empty) == ({f.label: f.shown for f in figures}, empty)
    finally:
        workbench._registry.pop("study.reports")


def test_every_app_registers_its_panels() -> None:
    assert {p.key for p in workbench.registered()} >= {
        "orglife.member",
        "orglife.secretary",
        "orglife.compliance",
        "orgs.subtree",
        "members.imports",
        "transfers.secretary",
        "transfers.department",
        "cases.inbox",
        "cases.dispatch",
        "cases.whistle",
        "cases.department",
        "grid.patrol",
        "accounts.admin",
        "development.branch",
        "development.department",
        "dashboard.cockpit",
        "dues.member",
        "dues.branch",
        "dues.department",
        "appraisal.branch",
        "appraisal.department",
        "stations.keeper",
        "stations.registry",
        "stations.rider",
    }


@pytest.mark.parametrize(
    ("who", "panels"),
    [
        # a community: dispatches, handles no unit; registers its 红帆驿站
        ("wenyuan_official", ["cases.dispatch", "stations.registry"]),
        (
            "street_official",
            [
                "orgs.subtree",
                "orglife.compliance",
                "members.imports",
                "development.department",
                "dashboard.cockpit",
                "appraisal.department",
                "transfers.department",
                "dues.department",
            ],
        ),
        (
            "sibling_secretary",
            [
                "orglife.secretary",
                "development.branch",
                "appraisal.branch",
                "dues.branch",
                "transfers.secretary",
            ],
        ),
        ("water_staff", ["cases.inbox", "cases.department"]),
        ("yaohua_worker", ["cases.inbox", "grid.patrol"]),
    ],
)
def test_every_other_persona_lands_on_its_panels_and_every_link_opens(
    who: str, panels: list[str], request: pytest.FixtureRequest, units: Units
) -> None:
    client = signed_in(request.getfixturevalue(who))
    page = workbench_of(client)
    assert [p.key for p in page.panels] == panels
    assert_every_link_opens(client, page)
