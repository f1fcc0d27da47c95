"""The organization tree on the workbench (web.workbench): an organization department's subtree
at a glance: its counts (the rollups: one row), terms of office overdue and due soon, and the
organizations without a secretary. Every read is a path range or an index range with a LIMIT,
except the one for those without a secretary; a large subtree's content is kept for a few
minutes (web.workbench.kept_when_big), a street's or a county's read on every visit."""

from __future__ import annotations

from functools import partial

from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse

from jiceng.accounts.models import Role, User
from jiceng.accounts.permissions import roles_of
from jiceng.accounts.scoping import Where, role_reach
from jiceng.core import clock, paths
from jiceng.web.workbench import Action, Content, Figure, Item, capped, kept_when_big, panel

from . import queries, rules, subtrees
from .models import GRASSROOTS_KINDS, CommitteeSeat, Organization, Post

LIST_LIMIT = 3
COUNT_CAP = 1000  # a LIMITed count: cheap at the national root, and shows the 245 of a district
ORGANIZATIONS_SHOWN = 2


def is_department(user: User) -> bool:
    return Role.ORGANIZATION_DEPARTMENT in roles_of(user)


def department_organizations(user: User) -> list[Organization]:
    """The organizations the user's organization department rows name, top first."""
    named = role_reach(user, Role.ORGANIZATION_DEPARTMENT, Where.SUBTREE).paths
    return list(Organization.objects.filter(path__in=named).order_by("path")[:ORGANIZATIONS_SHOWN])


def _without_secretary(organization: Organization) -> QuerySet[Organization]:
    """Grassroots organizations in the subtree with no secretary on a current committee (or
    no current committee at all), in tree order."""
    secretary = CommitteeSeat.objects.filter(
        committee__organization=OuterRef("pk"),
        committee__ended_on__isnull=True,
        post=Post.SECRETARY,
    )
    return (
        Organization.objects.filter(
            paths.under(organization.path),
            kind__in=GRASSROOTS_KINDS,
            dissolved_on__isnull=True,
        )
        .exclude(Exists(secretary))
        .order_by("path")
    )


def _missing_secretaries(organization: Organization) -> tuple[str, list[tuple[int, str]]]:
    """(capped count, the first few (pk, name)) of those without a secretary: an anti-join
    over the whole subtree (150 ms for 45,000), which no LIMIT stops early when nearly every
    one has a secretary."""
    missing = _without_secretary(organization)
    count = capped(missing.order_by()[:COUNT_CAP].count(), COUNT_CAP)
    return count, list(missing.values_list("pk", "name")[:LIST_LIMIT])


@panel("orgs.subtree", title="下辖党组织", order=30, shows=is_department)
def subtree(user: User) -> list[Content]:
    # A large subtree's content is kept a while (web.workbench.kept_when_big): its counts walk
    # the nation's terms in date order, and its anti-join has no LIMIT to stop it. It is kept
    # per organization: every department user it opens for sees its whole subtree.
    return [
        kept_when_big(
            f"workbench:orgs:subtree:{organization.pk}",
            big=organization.subtree_org_count > subtrees.BIG_REACH,
            read=partial(_subtree, user, organization),
        )
        for organization in department_organizations(user)
    ]


def _subtree(user: User, organization: Organization) -> Content:
    today = clock.today()
    due = queries.terms_due(user, under=organization, today=today)
    overdue = due.filter(term_due__gte=rules.EARLIEST_TERM, term_due__lt=today)
    soon = due.filter(term_due__gte=today)
    # The counts keep terms_due's order where it walks the term_due index until the LIMIT
    # (a large subtree) and drop it where it reads the subtree's own organizations first:
    # the same bound decides both (subtrees.BIG_REACH).
    walk = ("term_due",) if organization.subtree_org_count > subtrees.BIG_REACH else ()
    missing_count, missing = _missing_secretaries(organization)
    detail = reverse("orgs:detail", args=[organization.pk])
    items = [
        Item(
            f"换届逾期：{c.organization.name}",
            reverse("orgs:detail", args=[c.organization_id]),
            note=f"应于{c.term_due:%Y-%m-%d}换届",
            tone="warn",
        )
        for c in overdue[:LIST_LIMIT]
    ]
    items += [
        Item(
            f"即将换届：{c.organization.name}",
            reverse("orgs:detail", args=[c.organization_id]),
            note=f"应于{c.term_due:%Y-%m-%d}换届",
        )
        for c in soon[:LIST_LIMIT]
    ]
    items += [
        Item(
            f"未配书记：{name}",
            reverse("orgs:detail", args=[pk]),
            note="尚未录入本届委员会书记",
            tone="warn",
        )
        for pk, name in missing
    ]
    return Content(
        note=organization.name,
        figures=[
            Figure("基层党组织", organization.subtree_org_count, detail),
            Figure("党支部", organization.subtree_branch_count, detail),
            Figure("党员", organization.subtree_member_count),
            Figure(
                "换届逾期",
                capped(overdue.order_by(*walk)[:COUNT_CAP].count(), COUNT_CAP),
                detail,
                tone="warn",
            ),
            Figure(
                "90天内换届", capped(soon.order_by(*walk)[:COUNT_CAP].count(), COUNT_CAP), detail
            ),
            Figure("未配书记", missing_count, tone="warn"),
        ],
        items=items,
        more=Action("查看组织详情", detail, primary=False),
    )
