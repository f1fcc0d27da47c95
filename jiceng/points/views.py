"""积分 pages: a member's own points (and their group's distribution), one member's page for
their secretary, and a subtree's distribution and totals for secretaries and departments.
No page lists members ordered by points."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from jiceng.accounts.access import requires
from jiceng.accounts.permissions import Permission
from jiceng.accounts.requests import AuthedRequest
from jiceng.accounts.scoping import scope_of
from jiceng.core import clock
from jiceng.core.errors import DomainError, InvalidInput, not_found
from jiceng.members.models import Member
from jiceng.orglife.queries import default_organization
from jiceng.orgs.models import BRANCH_KINDS, Organization
from jiceng.orgs.queries import access_organization

from . import queries
from .awards import award_points, reverse_award, set_rule
from .models import CapPeriod, PointsEntry, PointsRule, SourceKind
from .rules import RuleBook


def _year(request: AuthedRequest) -> int:
    raw = request.GET.get("year", "")
    if not raw:
        return queries.this_year()
    if not raw.isdigit() or not 2000 <= int(raw) <= 2100:
        raise InvalidInput("年度格式应为2026")
    return int(raw)


def _may_award(request: AuthedRequest, member: Member) -> bool:
    o = member.organization
    return scope_of(request.user).allows(
        Permission.MANAGE_MEMBERS, path=o.path, division_id=o.division_id
    )


def _may_view_org(request: AuthedRequest, organization: Organization) -> bool:
    return scope_of(request.user).allows(
        Permission.VIEW_MEMBERS, path=organization.path, division_id=organization.division_id
    )


@requires(Permission.ATTEND_MEETINGS, Permission.VIEW_OWN_RECORD)
def mine(request: AuthedRequest) -> HttpResponse:
    """我的积分: this year's points, their entries, and the branch's distribution."""
    if request.user.member_id is None:
        return redirect("points:overview")
    return member_page(request, request.user.member_id, own=True)


def member_page(request: AuthedRequest, member_id: int, own: bool = False) -> HttpResponse:
    member = queries.access_member_points(request.user, member_id)
    own = own or member.pk == request.user.member_id
    year = _year(request)
    distribution = queries.distribution_of(member.organization, year) if own else None
    balance = queries.balance_of(member, year)
    chart = None
    if distribution is not None and distribution.shown:
        chart = distribution.chart() | {"mine": distribution.bin_of(balance)}
    return render(
        request,
        "points/member.html",
        {
            "member": member,
            "own": own,
            "year": year,
            "years": queries.years_of(member),
            "balance": balance,
            "entries": list(queries.entries_of(member, year)[:200]),
            "distribution": distribution,
            "chart": chart,
            "may_award": _may_award(request, member) and not own,
            "may_view_org": _may_view_org(request, member.organization),
            "award_kind": SourceKind.AWARD,
        },
    )


@requires(Permission.VIEW_MEMBERS, Permission.VIEW_OWN_RECORD)
def member(request: AuthedRequest, pk: int) -> HttpResponse:
    return member_page(request, pk)


@requires(Permission.VIEW_MEMBERS)
def overview(request: AuthedRequest) -> HttpResponse:
    first = default_organization(request.user, Permission.VIEW_MEMBERS)
    if first is None:
        raise Http404
    return redirect("points:organization", org=first.pk)


@requires(Permission.VIEW_MEMBERS)
def organization(request: AuthedRequest, org: int) -> HttpResponse:
    """A subtree's distribution and totals; a branch's roster by name to each member's page."""
    found = access_organization(request.user, org)
    if not _may_view_org(request, found):
        raise not_found("党组织")
    year = _year(request)
    distribution = queries.distribution_of(found, year)
    is_branch = found.kind in BRANCH_KINDS
    return render(
        request,
        "points/organization.html",
        {
            "organization": found,
            "year": year,
            "years": list(range(queries.this_year(), queries.this_year() - 5, -1)),
            "distribution": distribution,
            "chart": distribution.chart() if distribution.shown else None,
            "rows": list(zip(distribution.labels, distribution.counts, strict=True)),
            "children": [] if is_branch else queries.children_totals(found, year),
            "roster": list(queries.members_by_name(found)[:500]) if is_branch else [],
            "may_set_rules": _may_set_rules(request, found),
        },
    )


@require_POST
@requires(Permission.MANAGE_MEMBERS)
def award(request: AuthedRequest, pk: int) -> HttpResponse:
    member = queries.access_member_points(request.user, pk)
    back = reverse("points:member", kwargs={"pk": member.pk})
    raw = request.POST.get("points", "")
    try:
        if not raw.strip().isdigit():
            raise InvalidInput("积分应为正整数", fields={"points": "积分应为正整数"})
        award_points(
            member=member,
            points=int(raw),
            reason=request.POST.get("reason", ""),
            evidence=request.FILES.get("evidence"),
            by=request.user,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已记入表彰积分")
    return redirect(back)


@require_POST
@requires(Permission.MANAGE_MEMBERS)
def reverse_entry(request: AuthedRequest, pk: int) -> HttpResponse:
    entry = PointsEntry.objects.filter(pk=pk).first()
    if entry is None:
        raise not_found("积分记录")
    member = queries.access_member_points(request.user, entry.member_id)
    try:
        reverse_award(entry=entry, reason=request.POST.get("reason", ""), by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已冲回")
    return redirect("points:member", pk=member.pk)


def _may_set_rules(request: AuthedRequest, organization: Organization) -> bool:
    return scope_of(request.user).allows(
        Permission.MANAGE_MEETING_RULES,
        path=organization.path,
        division_id=organization.division_id,
    )


def _int_field(form: dict[str, str], name: str, label: str, *, blank: bool = False) -> int | None:
    raw = form.get(name, "").strip()
    if not raw and blank:
        return None
    try:
        return int(raw)
    except ValueError:
        raise InvalidInput(f"{label}应为整数", fields={name: f"{label}应为整数"}) from None


@require_http_methods(["GET", "POST"])
@requires(Permission.MANAGE_MEETING_RULES)
def rules(request: AuthedRequest, org: int) -> HttpResponse:
    """积分规则: the rule of each kind in force for the subtree (and where it is set), the
    rules set at this organization, and the form to set one from a day on."""
    found = access_organization(request.user, org)
    if not _may_set_rules(request, found):
        raise not_found("党组织")
    today = clock.today()
    fields: dict[str, str] = {}
    form: dict[str, str] = {}
    if request.method == "POST":
        form = request.POST.dict()
        try:
            raw_day = form.get("valid_from", "")
            try:
                valid_from = dt.date.fromisoformat(raw_day)
            except ValueError:
                raise InvalidInput(
                    "起用日期格式应为 2026-01-01",
                    fields={"valid_from": "起用日期格式应为 2026-01-01"},
                ) from None
            rule = set_rule(
                organization=found,
                kind=form.get("kind", ""),
                valid_from=valid_from,
                points=_int_field(form, "points", "每次积分") or 0,
                cap=_int_field(form, "cap", "计分次数上限", blank=True),
                cap_period=form.get("cap_period", ""),
                exempt_retired=form.get("exempt_retired") == "on",
                exempt_lost_contact=form.get("exempt_lost_contact") == "on",
                by=request.user,
            )
        except InvalidInput as error:
            fields = error.fields
            messages.error(request, error.message)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, f"已设定{rule.get_kind_display()}积分规则，{rule.valid_from:%Y-%m-%d}起用"
            )
            return redirect("points:rules", org=found.pk)
    in_force = []
    for kind in SourceKind:
        current = RuleBook.load(kind).rule_for(found.path, today)
        holder = (
            Organization.objects.filter(path=current.path).only("pk", "name").first()
            if current.path
            else None
        )
        in_force.append((kind.label, current, holder))
    return render(
        request,
        "points/rules.html",
        {
            "organization": found,
            "in_force": in_force,
            "set_here": list(
                PointsRule.objects.filter(organization=found).order_by("kind", "-valid_from")
            ),
            "kinds": SourceKind.choices,
            "periods": CapPeriod.choices,
            "today": today,
            "form": form,
            "fields": fields,
        },
    )
