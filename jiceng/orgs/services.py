"""Every write to the organization tree. Views, the API and imports call these."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import models, transaction
from django.db.models import QuerySet, Value
from django.db.models.functions import Concat, Substr

from jiceng.accounts.models import Role, RoleAssignment, User
from jiceng.accounts.permissions import Permission
from jiceng.accounts.scoping import scope_of
from jiceng.accounts.services import assign_role, check_can_grant, remove_role
from jiceng.core import audit, clock
from jiceng.core.errors import Forbidden, InvalidInput, not_found
from jiceng.core.paths import under
from jiceng.divisions.models import Division
from jiceng.members.models import ACTIVE_STATUSES, Member

from . import rollups, rules, signals
from .models import Committee, CommitteeSeat, Organization, OrgKind, Post, Sector


def check_can_write(
    user: User | None,
    organization: Organization,
    permission: Permission = Permission.MANAGE_ORGANIZATIONS,
) -> None:
    """A write at the organization needs `permission` from a role naming it or an ancestor.
    `user=None` is the system itself (loaders and commands)."""
    if user is not None and not scope_of(user).allows(
        permission, path=organization.path, division_id=organization.division_id
    ):
        raise not_found("党组织")


def check_can_place(user: User | None, division: Division) -> None:
    """An organization is located (its division) only where the user may place it: inside
    the divisions their role names, or inside the division of the organization whose subtree
    it names (scoping.Reach.may_place_in). Otherwise a branch's secretary could locate the
    branch anywhere in the country, out of sight of the street that supervises it by division.
    Divisions are public reference data, so the refusal says why instead of "not found"."""
    if user is None:
        return
    if not scope_of(user).reach(Permission.MANAGE_ORGANIZATIONS).may_place_in(division.code):
        message = f"“{division.name}”不在您的管理范围内，不能把党组织设在那里"
        raise InvalidInput(message, fields={"division": "所在行政区划不在您的管理范围内"})


def locked(organization: Organization) -> Organization:
    """Re-read the row under a lock (a no-op on SQLite, whose writers are serialized)."""
    return Organization.objects.select_for_update().get(pk=organization.pk)


def check_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise InvalidInput("请填写党组织名称", fields={"name": "请填写党组织名称"})
    if len(name) > 200:
        raise InvalidInput("党组织名称不能超过200个字", fields={"name": "名称过长"})
    return name


def check_placement(parent: Organization, kind: str) -> None:
    if parent.dissolved_on is not None:
        raise InvalidInput(f"上级党组织“{parent.name}”已撤销，不能在其下设立或移入党组织")
    if not rules.may_contain(parent.kind, kind):
        raise InvalidInput(
            f"{parent.get_kind_display()}“{parent.name}”下不能设立{OrgKind(kind).label}"
        )


def check_unique_name(
    parent_path: str, name: str, *, parent_name: str, exclude: int | None = None
) -> None:
    """Two active organizations under one parent may not share a name (imports and forms
    find organizations by name within a subtree)."""
    siblings = Organization.objects.filter(
        under(parent_path),
        depth=len(parent_path) // Organization.steplen + 1,
        name=name,
        dissolved_on__isnull=True,
    )
    if exclude is not None:
        siblings = siblings.exclude(pk=exclude)
    if siblings.exists():
        message = f"“{parent_name}”下已有名为“{name}”的党组织"
        raise InvalidInput(message, fields={"name": message})


@transaction.atomic
def create_organization(
    *,
    parent: Organization,
    name: str,
    kind: str,
    sector: str = "",
    division: Division | None = None,
    founded_on: dt.date | None = None,
    by: User | None,
) -> Organization:
    """Set up a new organization under `parent` (成立党组织)."""
    check_can_write(by, parent)
    if division is not None:
        check_can_place(by, division)
    if kind not in OrgKind.values:
        raise InvalidInput("党组织类型不正确", fields={"kind": "请选择党组织类型"})
    if sector and sector not in Sector.values:
        raise InvalidInput("所属领域不正确", fields={"sector": "请选择所属领域"})
    if founded_on and founded_on > clock.today():
        raise InvalidInput("成立日期不能晚于今天", fields={"founded_on": "成立日期不能晚于今天"})
    parent = locked(parent)
    check_placement(parent, kind)
    name = check_name(name)
    check_unique_name(parent.path, name, parent_name=parent.name)
    child = Organization.objects.add_child(
        parent,
        {
            "name": name,
            "kind": kind,
            "sector": sector,
            "division_id": division.pk if division else parent.division_id,
            "founded_on": founded_on,
        },
    )
    branches, organizations = rollups.own_weight(child)
    rollups.add_subtree(
        above=parent.path, members=0, branches=branches, organizations=organizations
    )
    Organization.objects.filter(pk=child.pk).update(
        subtree_branch_count=branches, subtree_org_count=organizations
    )
    child.refresh_from_db()
    audit_write("create_organization", child, by, parent=parent.pk, name=name, kind=kind)
    return child


@transaction.atomic
def update_organization(
    *,
    organization: Organization,
    name: str | None = None,
    sector: str | None = None,
    division: Division | None = None,
    founded_on: dt.date | None = None,
    by: User | None,
) -> Organization:
    """Rename or correct an organization's particulars; its place in the tree stays."""
    check_can_write(by, organization)
    changes: dict[str, object] = {}
    if name is not None:
        name = changes["name"] = check_name(name)
        if organization.depth > 1:
            parent_path = organization.path[: -Organization.steplen]
            parent_name = Organization.objects.get(path=parent_path).name
            check_unique_name(parent_path, name, parent_name=parent_name, exclude=organization.pk)
    if sector is not None:
        if sector and sector not in Sector.values:
            raise InvalidInput("所属领域不正确", fields={"sector": "请选择所属领域"})
        changes["sector"] = sector
    if division is not None:
        if division.pk != organization.division_id:
            check_can_place(by, division)
        changes["division"] = division
    if founded_on is not None:
        changes["founded_on"] = founded_on
    if changes:
        Organization.objects.filter(pk=organization.pk).update(**changes)
        audit_write("update_organization", organization, by, fields=sorted(changes))
    return Organization.objects.get(pk=organization.pk)


def rename_organization(*, organization: Organization, name: str, by: User | None) -> Organization:
    return update_organization(organization=organization, name=name, by=by)


@transaction.atomic
def move_organization(
    *, organization: Organization, new_parent: Organization, by: User | None
) -> Organization:
    """Move an organization with everything below it under another parent (调整隶属关系).
    The tree's own counts move here; the rollups other apps keep over subtrees (dues' monthly
    totals, development's admissions) move in their receivers of `signals.organization_moved`,
    in this transaction too."""
    check_can_write(by, organization)
    check_can_write(by, new_parent)
    organization, new_parent = locked(organization), locked(new_parent)
    if organization.depth == 1:
        raise InvalidInput("不能移动全国根节点")
    if new_parent.path.startswith(organization.path):
        raise InvalidInput("不能把党组织移到它自己或它的下级党组织之下")
    check_placement(new_parent, organization.kind)
    old_parent_path = organization.path[: -Organization.steplen]
    if new_parent.path == old_parent_path:
        return organization
    totals = {
        "members": organization.subtree_member_count,
        "branches": organization.subtree_branch_count,
        "organizations": organization.subtree_org_count,
    }
    rollups.add_subtree(above=old_parent_path, **{k: -v for k, v in totals.items()})
    old_path = organization.path
    Organization.objects.move(organization, new_parent, pos="last-child")
    moved = Organization.objects.get(pk=organization.pk)
    # the committees keep their organizations' paths (Committee.path): the old prefix swapped
    Committee.objects.filter(under(old_path)).update(
        path=Concat(
            Value(moved.path),
            Substr("path", len(old_path) + 1),
            output_field=models.CharField(),
        )
    )
    rollups.add_subtree(above=new_parent.path, **totals)
    signals.organization_moved.send(
        sender=Organization,
        organization=moved,
        old_parent_path=old_parent_path,
        new_parent_path=new_parent.path,
    )
    audit_write(
        "move_organization", moved, by, old_parent=old_parent_path, new_parent=new_parent.pk
    )
    return moved


@transaction.atomic
def dissolve_organization(
    *, organization: Organization, on: dt.date | None = None, by: User | None
) -> Organization:
    """Dissolve (撤销) an organization; refused while it still has members or sub-organizations.
    The decision is the level above's: the user must be able to write at the parent too (a
    branch's secretary does not dissolve their own branch)."""
    check_can_write(by, organization)
    if organization.depth <= 1:
        raise InvalidInput("不能撤销全国根节点")
    parent = Organization.objects.get(path=organization.path[: -Organization.steplen])
    check_can_write(by, parent)
    organization = locked(organization)
    if organization.dissolved_on is not None:
        raise InvalidInput(f"“{organization.name}”已于{organization.dissolved_on:%Y年%m月%d日}撤销")
    members = Member.objects.filter(organization=organization, status__in=ACTIVE_STATUSES).count()
    if members:
        raise InvalidInput(
            f"“{organization.name}”还有{members}名党员，请先办理组织关系转接后再撤销"
        )
    children = Organization.objects.filter(
        under(organization.path),
        depth=organization.depth + 1,
        dissolved_on__isnull=True,
    ).count()
    if children:
        raise InvalidInput(
            f"“{organization.name}”还有{children}个下级党组织，请先撤销或移走下级党组织"
        )
    on = on or clock.today()
    branches, organizations = rollups.own_weight(organization)
    Organization.objects.filter(pk=organization.pk).update(dissolved_on=on)
    Committee.objects.filter(organization=organization, ended_on__isnull=True).update(ended_on=on)
    rollups.add_subtree(
        above=organization.path, members=0, branches=-branches, organizations=-organizations
    )
    audit_write("dissolve_organization", organization, by, on=on)
    return Organization.objects.get(pk=organization.pk)


def members_on_roll_under(organization: Organization) -> QuerySet[Member]:
    """Who may sit on the organization's committees: its members on the roll and those of the
    organizations below it (a 党委's committee is elected from the members of its branches)."""
    return Member.objects.filter(
        under(organization.path, "organization__path"), status__in=ACTIVE_STATUSES
    )


# The role each post of a committee holds at its organization (accounts.delegations: granted
# by the organization department that records the election).
SEAT_ROLES: dict[str, Role] = dict.fromkeys(Post.values, Role.COMMITTEE_MEMBER)
SEAT_ROLES[Post.SECRETARY] = Role.BRANCH_SECRETARY
COMMITTEE_ROLES = frozenset(SEAT_ROLES.values())
ELECTION_RECORDERS = "换届选举结果由上级党组织的组织部门录入（同时授予新一届委员会的角色）"


def check_can_record_election(by: User | None, organization: Organization) -> None:
    """Recording an election grants the new committee's roles, so it is for whoever may grant
    them there (accounts.delegations: the organization department above); anyone else who
    sees the organization is Forbidden, and outside their scope it is not found."""
    check_can_write(by, organization)
    for role in COMMITTEE_ROLES:
        try:
            check_can_grant(by, role, organization=organization)
        except Forbidden:
            raise Forbidden(ELECTION_RECORDERS) from None


@transaction.atomic
def elect_committee(
    *,
    organization: Organization,
    term_start: dt.date,
    seats: Sequence[tuple[Member, str]],
    by: User | None,
) -> Committee:
    """Record a new term (换届): the current committee ends, the new one starts with its seats,
    and the roles follow (hand_over_roles): the new secretary and committee members whose
    accounts exist get theirs at the organization, the old committee's members lose theirs."""
    check_can_record_election(by, organization)
    organization = locked(organization)
    if not organization.is_grassroots:
        raise InvalidInput("只有基层党组织设立委员会")
    if term_start > clock.today():
        message = "本届开始日期不能晚于今天"
        raise InvalidInput(message, fields={"term_start": message})
    posts = [post for _, post in seats]
    if posts.count(Post.SECRETARY) != 1:
        message = "委员会应有且只有一名书记"
        raise InvalidInput(message, fields={"seats": message})
    if len({member.pk for member, _ in seats}) != len(seats):
        message = "同一名党员不能在本届委员会中担任两个职务"
        raise InvalidInput(message, fields={"seats": message})
    eligible = set(
        members_on_roll_under(organization)
        .filter(pk__in=[member.pk for member, _ in seats])
        .values_list("pk", flat=True)
    )
    for member, post in seats:
        if post not in Post.values:
            raise InvalidInput("职务不正确", fields={"seats": "职务不正确"})
        if member.pk not in eligible:
            message = f"{member.name}不是本组织的在册党员，不能担任委员"
            raise InvalidInput(message, fields={"seats": message})
    previous = Committee.objects.filter(organization=organization, ended_on__isnull=True).first()
    if previous is not None and term_start < previous.term_start:
        message = f"本届开始日期不能早于上一届的开始日期{previous.term_start:%Y-%m-%d}"
        raise InvalidInput(message, fields={"term_start": message})
    old_member_ids = set(previous.seats.values_list("member_id", flat=True)) if previous else set()
    Committee.objects.filter(organization=organization, ended_on__isnull=True).update(
        ended_on=term_start
    )
    committee = Committee.objects.create(
        organization=organization,
        term_start=term_start,
        term_due=rules.term_due(term_start, kind=organization.kind, sector=organization.sector),
    )
    CommitteeSeat.objects.bulk_create(
        CommitteeSeat(committee=committee, member=member, post=post) for member, post in seats
    )
    audit_write("elect_committee", organization, by, term_start=term_start, seats=len(seats))
    hand_over_roles(
        organization=organization,
        seats=[(member.pk, post) for member, post in seats],
        old_member_ids=old_member_ids,
        by=by,
    )
    return committee


def hand_over_roles(
    *,
    organization: Organization,
    seats: Sequence[tuple[int, str]],
    old_member_ids: set[int],
    by: User | None,
) -> None:
    """The roles of a new committee at `organization` (inside the election's transaction):
    each seated member with an account gets the role of the post (SEAT_ROLES); a member of the
    old committee no longer holds a committee role there unless re-elected to it. Roles the
    security administrator granted to people who sat on neither committee stay. Each grant and
    removal goes through accounts.services, which checks the delegation and audits it."""
    wanted_by_member = {member_id: SEAT_ROLES[post] for member_id, post in seats}
    accounts = User.objects.filter(
        member_id__in=set(wanted_by_member) | old_member_ids, is_active=True
    )
    user_of_member = {user.member_id: user for user in accounts}
    wanted = {
        (user_of_member[m].pk, role) for m, role in wanted_by_member.items() if m in user_of_member
    }
    held = RoleAssignment.objects.filter(
        organization=organization, role__in=COMMITTEE_ROLES, user__in=accounts
    ).select_related("user", "organization")
    kept: set[tuple[int, str]] = set()
    for assignment in held:
        if (assignment.user_id, assignment.role) in wanted:
            kept.add((assignment.user_id, assignment.role))
        else:
            remove_role(assignment=assignment, by=by)
    for user_id, role in sorted(wanted - kept):
        user = next(u for u in accounts if u.pk == user_id)
        assign_role(user=user, role=role, organization=organization, by=by)


def audit_write(action: str, organization: Organization, by: User | None, **detail: object) -> None:
    """The audit record of a write, inside its transaction: both commit or neither does."""
    audit.record(
        audit.AuditEvent.WRITE, action=f"orgs.{action}", target=organization, user=by, detail=detail
    )
