"""`jiceng load-demo`: the demo district and its four logins."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.test import Client

from jiceng.accounts.models import Role, RoleAssignment, User
from jiceng.cases.models import Case, CaseEvent, Department
from jiceng.core import clock
from jiceng.datasets import demo
from jiceng.development.models import CaseMove
from jiceng.grid.models import Grid, GridWorker, Patrol
from jiceng.members.models import Member
from jiceng.orglife import rules
from jiceng.orglife.models import Attendance, Compliance, Meeting
from jiceng.orgs.models import CommitteeSeat, Organization, OrgKind, Post, Sector
from jiceng.reporting.models import ServiceRecord
from jiceng.stations.models import ServiceStation
from jiceng.transfers.models import TransferState


@pytest.mark.usefixtures("divisions")
def test_the_demo_district_and_its_logins(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("load-demo", "--workers", "0")
    out = capsys.readouterr().out
    for username, password, _, _ in demo.ACCOUNTS:
        assert username in out and password in out
        assert Client().login(username=username, password=password)

    district = Organization.objects.get(name="中共南京市栖霞区委")
    xianlin = Organization.objects.get(name="中共仙林街道工作委员会")
    assert xianlin.path.startswith(district.path)
    streets = Organization.objects.filter(path__startswith=district.path, depth=district.depth + 1)
    assert streets.filter(name__endswith="街道工作委员会").count() == 9  # 栖霞区's nine streets
    assert Organization.objects.filter(
        path__startswith=xianlin.path, sector=Sector.COMMUNITY, name__startswith="仙林"
    ).exists()

    def role(username: str) -> RoleAssignment:
        return RoleAssignment.objects.select_related("organization", "user").get(
            user__username=username
        )

    assert (role("qixia-zzb").role, role("qixia-zzb").organization) == (
        Role.ORGANIZATION_DEPARTMENT,
        district,
    )
    assert (role("xianlin-dgw").role, role("xianlin-dgw").organization) == (
        Role.ORGANIZATION_DEPARTMENT,
        xianlin,
    )
    secretary = role("secretary-demo")
    branch = secretary.organization
    assert branch is not None
    assert (secretary.role, branch.kind, branch.sector) == (
        Role.BRANCH_SECRETARY,
        OrgKind.BRANCH,
        Sector.COMMUNITY,
    )
    assert branch.path.startswith(xianlin.path)
    seat = CommitteeSeat.objects.get(
        committee__organization=branch, committee__ended_on__isnull=True, post=Post.SECRETARY
    )
    assert secretary.user.member == seat.member
    assert secretary.user.display_name == seat.member.name
    member = role("member-demo")
    assert member.role == Role.MEMBER
    assert member.user.member is not None and member.user.member.organization == branch
    assert member.user.member != seat.member
    admins = {
        name: role(name).role for name in ("sysadmin-demo", "secadmin-demo", "auditadmin-demo")
    }
    assert set(admins.values()) == {Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN}

    # Again: nothing new, the same logins.
    # The governance and organizational-life rows of the district came with it.
    assert Grid.objects.filter(code__startswith="320113").exists()
    assert Department.objects.filter(district_id="320113000000").exists()
    assert Meeting.objects.filter(organization__path__startswith=district.path).exists()
    # A year of cases, more in 仙林街道, the demo grid worker's inbox not empty.
    assert Case.objects.filter(street__name="仙林街道").count() > 500
    assert Case.objects.filter(grid__workers__user__username="grid-demo", status="DISPATCHED")
    assert Patrol.objects.filter(worker__username="grid-demo").count() > 50
    # The demo member is expected at meetings to come, one open for check-in within the hour;
    # the secretary scheduled them (their notices go out when the worker runs).
    upcoming = Meeting.objects.filter(organization=branch, starts_at__gt=clock.now())
    assert upcoming.count() == 3
    assert {m.created_by_id for m in upcoming} == {secretary.user_id}
    first = upcoming.order_by("starts_at").first()
    assert first is not None and first.starts_at - clock.now() < dt.timedelta(hours=1)
    expected = Attendance.objects.filter(meeting__in=upcoming, member=member.user.member)
    assert expected.count() == 2  # not the committee's own meeting
    # The secretary's branch holds its meetings: the months behind it are met.
    met = Compliance.objects.filter(organization=branch, compliant=1)
    assert met.filter(month__lt=rules.month_of(clock.today())).count() >= 10

    # 双报到: the demo member serves in her community, whose official has a login.
    assert "shequ-demo" in out
    assert ServiceRecord.objects.filter(member=member.user.member).count() >= 5
    # 红帆驿站: that official appointed the demo keeper to a station of her own community
    # (one login per role and place: no second community official for the stations).
    assert "keeper-demo" in out and "rider-demo" in out and "community-demo" not in out
    kept = ServiceStation.objects.get(keeper__username="keeper-demo")
    shequ = RoleAssignment.objects.get(user__username="shequ-demo", role=Role.COMMUNITY_OFFICIAL)
    assert kept.community_id == shequ.division_id

    # 组织关系转接: a probationary member of another branch arrived last month, and her
    # development file came with her (the secretary carries on the probation)
    moved = CaseMove.objects.select_related("applicant__member").get(to_organization=branch)
    assert moved.from_organization != branch and moved.transfer is not None
    assert moved.applicant.member is not None
    assert moved.applicant.organization == branch == moved.applicant.member.organization
    assert moved.transfer.state == TransferState.COMPLETED

    counts = (
        CaseMove.objects.count(),
        Organization.objects.count(),
        Member.objects.count(),
        User.objects.count(),
        RoleAssignment.objects.count(),
        Grid.objects.count(),
        Meeting.objects.count(),
        Case.objects.count(),
        CaseEvent.objects.count(),
        Patrol.objects.count(),
        ServiceRecord.objects.count(),
    )
    again = demo.load_demo(workers=0)
    assert [login.username for login in again][: len(demo.ACCOUNTS)] == [
        a[0] for a in demo.ACCOUNTS
    ]
    assert "xianlin-jiedao" in [login.username for login in again]  # the whistle's street
    worker = User.objects.get(username="grid-demo")
    assert worker.roles.filter(role=Role.GRID_WORKER).exists()
    assert GridWorker.objects.filter(user=worker, grid__street__name="仙林街道").exists()
    assert (
        CaseMove.objects.count(),
        Organization.objects.count(),
        Member.objects.count(),
        User.objects.count(),
        RoleAssignment.objects.count(),
        Grid.objects.count(),
        Meeting.objects.count(),
        Case.objects.count(),
        CaseEvent.objects.count(),
        Patrol.objects.count(),
        ServiceRecord.objects.count(),
    ) == counts


@pytest.mark.django_db
def test_the_demo_needs_the_divisions() -> None:
    with pytest.raises(demo.DivisionsMissing):
        demo.load_demo(workers=0)
