"""Reads of weak organizations and their rectification, scoped: a department (组织部) sees and
acts on the detections and rectifications of its subtree; anyone who may see an organization
sees its rectification."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Exists, OuterRef, QuerySet

from jiceng.accounts.models import Role, RoleAssignment, User
from jiceng.accounts.permissions import Permission
from jiceng.accounts.scoping import Reach, Where, role_reach, scope_of
from jiceng.core.errors import not_found
from jiceng.core.paths import is_under, under_any
from jiceng.orgs import subtrees
from jiceng.orgs.models import Organization

from . import detection, rules
from .models import Detection, DetectionRule, Rectification, RuleKind, Status

PAGE_SIZE = 30


def department_reach(user: User) -> Reach:
    """The subtrees of the user's organization-department roles."""
    return role_reach(user, Role.ORGANIZATION_DEPARTMENT, Where.SUBTREE)


def is_department(user: User) -> bool:
    return bool(department_reach(user).paths)


def may_manage(user: User, organization: Organization) -> bool:
    """Whether the user confirms, plans and accepts the organization's rectification."""
    return any(is_under(organization.path, p) for p in department_reach(user).paths)


def may_view(user: User, organization: Organization) -> bool:
    return scope_of(user).allows(
        Permission.VIEW_ORGANIZATIONS, path=organization.path, division_id=organization.division_id
    )


def may_record_progress(user: User, rectification: Rectification) -> bool:
    return rectification.is_open and (
        may_manage(user, rectification.organization)
        or rectification.responsible_leader_id == user.pk
    )


def rectifications_for(user: User) -> QuerySet[Rectification]:
    scope = scope_of(user)
    return Rectification.objects.filter(
        scope.organization_q(Permission.VIEW_ORGANIZATIONS, "organization__")
    ) | Rectification.objects.filter(responsible_leader=user)


def access_rectification(user: User, pk: int) -> Rectification:
    found = (
        rectifications_for(user)
        .filter(pk=pk)
        .select_related("organization", "responsible_leader", "first_secretary")
        .first()
    )
    if found is None:
        raise not_found("整顿")
    return found


@dataclass(frozen=True)
class Flagged:
    """A detected organization with its reasons and its rectification, if any."""

    organization: Organization
    reasons: list[str]
    rectification: Rectification | None


def detected_month() -> int | None:
    """The latest month that was computed."""
    return Detection.objects.order_by("-month").values_list("month", flat=True).first()


def detected(user: User, *, month: int, page: int = 1) -> tuple[Page[Any], list[Flagged]]:
    """A page of the organizations detected in `month` inside the user's department subtrees,
    by path, each with its reasons: the page's organizations first, then their reasons."""
    paths = department_reach(user).paths
    ids = (
        Detection.objects.filter(under_any(paths), month=month)
        .values("organization_id", "path")
        .distinct()
        .order_by("path")
    )
    shown = Paginator(ids, PAGE_SIZE).get_page(page)
    org_ids = [row["organization_id"] for row in shown]
    organizations = Organization.objects.in_bulk(org_ids)
    reasons: dict[int, list[str]] = {}
    for org_id, reason in (
        Detection.objects.filter(month=month, organization_id__in=org_ids)
        .order_by("kind")
        .values_list("organization_id", "reason")
    ):
        reasons.setdefault(org_id, []).append(reason)
    open_ = {
        r.organization_id: r
        for r in Rectification.objects.filter(organization_id__in=org_ids).exclude(
            status=Status.ACCEPTED
        )
    }
    rows = [
        Flagged(organizations[pk], reasons.get(pk, []), open_.get(pk))
        for pk in org_ids
        if pk in organizations
    ]
    return shown, rows


def unconfirmed_count(user: User, month: int, *, up_to: int | None = None) -> int:
    """Organizations detected in `month` under the user with no open rectification, counted
    up to `up_to` (a LIMITed count stops early: a national month's detections are hundreds of
    thousands). Each detection is tested for an open rectification by the unique index on
    the organization, not against a list of every open one in the country."""
    paths = department_reach(user).paths
    is_open = Rectification.objects.filter(organization_id=OuterRef("organization_id")).exclude(
        status=Status.ACCEPTED
    )
    rows = (
        Detection.objects.filter(under_any(paths), month=month)
        .exclude(Exists(is_open))
        .values("organization_id")
        .distinct()
        .order_by()
    )
    return rows[:up_to].count() if up_to is not None else rows.count()


def open_under(user: User) -> QuerySet[Rectification]:
    """The open rectifications in the user's department subtrees, earliest planned end first:
    for a big subtree read by the open ones' (due_on) index, each tested for its organization
    (orgs.subtrees), so a LIMIT stops the walk."""
    return (
        Rectification.objects.filter(
            subtrees.inside(department_reach(user), prefix="organization__")
        )
        .exclude(status=Status.ACCEPTED)
        .select_related("organization")
        .order_by("due_on", "pk")
    )


def current_reasons(organization: Organization) -> list[str]:
    """The latest month's detections of the organization."""
    month = detected_month()
    if month is None:
        return []
    return list(
        Detection.objects.filter(organization=organization, month=month)
        .order_by("kind")
        .values_list("reason", flat=True)
    )


def latest_of(organization: Organization) -> Rectification | None:
    return (
        Rectification.objects.filter(organization=organization)
        .select_related("responsible_leader", "first_secretary")
        .order_by("-confirmed_at", "-pk")
        .first()
    )


def leaders_for(organization: Organization) -> QuerySet[User]:
    """Who may be named the responsible leader (包联): the users of an organization department
    at the organization or above it."""
    ancestors = [organization.path[:i] for i in range(4, len(organization.path) + 1, 4)]
    users = RoleAssignment.objects.filter(
        role=Role.ORGANIZATION_DEPARTMENT, organization__path__in=ancestors
    ).values("user_id")
    return User.objects.filter(pk__in=users, is_active=True).order_by("username")


def reasons_now(organization: Organization) -> list[str]:
    return [reason for _, reason in detection.reasons_now(organization)]


def rules_at(organization: Organization) -> list[tuple[rules.Params, Organization | None]]:
    """Each detection rule in force at the organization and where it is set (None: the
    national default)."""
    ancestors = [organization.path[:end] for end in range(4, len(organization.path) + 1, 4)]
    set_above = list(
        DetectionRule.objects.filter(organization__path__in=ancestors).select_related(
            "organization"
        )
    )
    out: list[tuple[rules.Params, Organization | None]] = []
    for kind in RuleKind:
        deepest = max(
            (r for r in set_above if r.kind == kind),
            key=lambda r: len(r.organization.path),
            default=None,
        )
        if deepest is None:
            out.append((rules.DEFAULTS[kind], None))
        else:
            params = rules.Params(
                kind, deepest.is_enabled, deepest.months, deepest.threshold, deepest.reason
            )
            out.append((params, deepest.organization))
    return out


def rules_set_under(user: User) -> QuerySet[DetectionRule]:
    """The rules set in the department's subtrees."""
    return (
        DetectionRule.objects.filter(under_any(department_reach(user).paths, "organization__path"))
        .select_related("organization")
        .order_by("organization__path", "kind")
    )
