"""Organization pages: thin views over orgs.queries and the writes of orgs.services and
orgs.self_government (设立, 修改, 调整隶属关系, 撤销, 换届)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from jiceng.accounts.access import requires
from jiceng.accounts.permissions import Permission
from jiceng.accounts.requests import AuthedRequest
from jiceng.core import clock
from jiceng.core.errors import InvalidInput
from jiceng.core.paging import CountedTo

from . import queries, rules, self_government, services
from .forms import SEAT_ROWS, committee_seats, date_of, division_of, self_government_seats
from .models import (
    Committee,
    CommitteeSeat,
    Organization,
    OrgKind,
    Post,
    Sector,
    SelfGovernmentPost,
)

SEAT_CHOICES = 3000  # members a committee form lists (a large 党委 has more: by name)
TERMS_SHOWN = 10  # on the organization's page; the whole list is its own paged page
TERMS_COUNTED = 999  # the page counts so far and then says "more than"


@requires(Permission.VIEW_ORGANIZATIONS)
def tree(request: AuthedRequest) -> HttpResponse:
    """The tree's first screen: the user's roots with their children open."""
    user = request.user
    roots = [(root, list(queries.children(user, root))) for root in queries.tree_roots(user)]
    found = []
    q = request.GET.get("q", "").strip()
    if q:
        found = queries.search(request.user, name=q, limit=50)
    return render(request, "orgs/tree.html", {"roots": roots, "q": q, "found": found})


@requires(Permission.VIEW_ORGANIZATIONS)
def children(request: AuthedRequest, pk: int) -> HttpResponse:
    """The children of one node, loaded when it is opened (htmx)."""
    organization = queries.access_organization(request.user, pk)
    nodes = queries.children(request.user, organization)
    return render(request, "orgs/_children.html", {"nodes": nodes})


@requires(Permission.VIEW_ORGANIZATIONS)
def detail(request: AuthedRequest, pk: int) -> HttpResponse:
    organization = queries.access_organization(request.user, pk)
    user = request.user
    overview = queries.overview(organization)
    parent = queries.parent_of(organization)
    writable = queries.may_write(user, organization) and organization.is_active
    context = {
        "organization": organization,
        "overview": overview,
        "ancestors": queries.ancestors(user, organization),
        "children": queries.children(user, organization)[:200],
        "members": organization.members.order_by("name")[:50],
        "terms_due": queries.terms_due(user, under=organization)[:TERMS_SHOWN],
        "terms_due_total": queries.terms_due_counted(user, under=organization, cap=TERMS_COUNTED),
        "terms_due_cap": TERMS_COUNTED,
        "can_edit": writable,
        "can_add_child": writable
        and any(rules.may_contain(organization.kind, k) for k in OrgKind.values),
        # moving and dissolving are decided above: the user writes at the parent too
        "can_move": writable and parent is not None and queries.may_write(user, parent),
        "can_elect": organization.is_active
        and organization.is_grassroots
        and queries.may_record_election(user, organization),
        "can_add_member": organization.is_active
        and organization.is_grassroots
        and queries.may_write(user, organization, Permission.MANAGE_MEMBERS),
        "seats": _seats_with_roles(overview.committee),
        "today": clock.today(),
        "self_government_kind": self_government.kind_for(organization),
        "self_government": queries.current_self_government(organization),
    }
    return render(request, "orgs/detail.html", context)


def _seats_with_roles(committee: Committee | None) -> list[tuple[CommitteeSeat, str]]:
    if committee is None:
        return []
    held = queries.seat_accounts(committee)
    return [(seat, held[seat.member_id]) for seat in committee.seats.all()]


# -- writes ----------------------------------------------------------------------------------
# Each page's form comes back with the refusal beside its field (InvalidInput.fields) and the
# whole reason on top; a success goes to the organization's page with a message.


def _refused(
    request: AuthedRequest, template: str, context: dict[str, Any], error: InvalidInput
) -> HttpResponse:
    fields = dict(error.fields)
    if "division" in fields:  # check_can_place names the model's field; the form's is the code
        fields.setdefault("division_code", fields.pop("division"))
    context = {**context, "error": error, "fields": fields}
    return render(request, template, context, status=400)


def _org_form(post: QueryDict) -> dict[str, str]:
    names = ("name", "kind", "sector", "division_code", "founded_on")
    return {name: post.get(name, "").strip() for name in names}


@requires(Permission.MANAGE_ORGANIZATIONS)
@require_http_methods(["GET", "POST"])
def create(request: AuthedRequest, pk: int) -> HttpResponse:
    """新建下级党组织 under this one."""
    parent = queries.access_writable_organization(request.user, pk)
    kinds = [(k, OrgKind(k).label) for k in OrgKind.values if rules.may_contain(parent.kind, k)]
    context: dict[str, Any] = {
        "parent": parent,
        "kinds": kinds,
        "sectors": Sector.choices,
        "form": {"sector": parent.sector, "kind": kinds[-1][0] if kinds else ""},
        "fields": {},
    }
    if request.method == "POST":
        form = context["form"] = _org_form(request.POST)
        try:
            child = services.create_organization(
                parent=parent,
                name=form["name"],
                kind=form["kind"],
                sector=form["sector"],
                division=division_of(form["division_code"]),
                founded_on=date_of(request.POST, "founded_on", "成立日期"),
                by=request.user,
            )
        except InvalidInput as exc:
            return _refused(request, "orgs/org_form.html", context, exc)
        messages.success(request, f"已设立{child.name}")
        return redirect("orgs:detail", pk=child.pk)
    return render(request, "orgs/org_form.html", context)


@requires(Permission.MANAGE_ORGANIZATIONS)
@require_http_methods(["GET", "POST"])
def edit(request: AuthedRequest, pk: int) -> HttpResponse:
    """修改党组织信息: name, sector, division, founding date (its place in the tree stays)."""
    organization = queries.access_writable_organization(request.user, pk)
    context: dict[str, Any] = {
        "organization": organization,
        "sectors": Sector.choices,
        "form": {
            "name": organization.name,
            "sector": organization.sector,
            "division_code": organization.division_id or "",
            "founded_on": organization.founded_on.isoformat() if organization.founded_on else "",
        },
        "fields": {},
    }
    if request.method == "POST":
        form = context["form"] = _org_form(request.POST)
        try:
            founded_on = date_of(request.POST, "founded_on", "成立日期")
            if founded_on and founded_on > clock.today():
                message = "成立日期不能晚于今天"
                raise InvalidInput(message, fields={"founded_on": message})
            services.update_organization(
                organization=organization,
                name=form["name"],
                sector=form["sector"],
                division=division_of(form["division_code"]),
                founded_on=founded_on,
                by=request.user,
            )
        except InvalidInput as exc:
            return _refused(request, "orgs/org_form.html", context, exc)
        messages.success(request, "党组织信息已保存")
        return redirect("orgs:detail", pk=organization.pk)
    return render(request, "orgs/org_form.html", context)


@requires(Permission.MANAGE_ORGANIZATIONS)
@require_http_methods(["GET", "POST"])
def move(request: AuthedRequest, pk: int) -> HttpResponse:
    """调整隶属关系: to another parent within the user's scope, with everything below it."""
    organization = queries.access_writable_organization(request.user, pk)
    q = request.GET.get("q", "").strip()[:100]
    context: dict[str, Any] = {
        "organization": organization,
        "parent": queries.parent_of(organization),
        "q": q,
        "targets": queries.move_targets(request.user, organization, name=q),
        "fields": {},
    }
    if request.method == "POST":
        target_id = request.POST.get("new_parent", "")
        try:
            if not (target_id.isdigit() and len(target_id) <= 15):
                message = "请选择新的上级党组织"
                raise InvalidInput(message, fields={"new_parent": message})
            target = queries.access_writable_organization(request.user, int(target_id))
            services.move_organization(
                organization=organization, new_parent=target, by=request.user
            )
        except InvalidInput as exc:
            return _refused(request, "orgs/move.html", context, exc)
        messages.success(request, f"已将{organization.name}调整到{target.name}之下")
        return redirect("orgs:detail", pk=organization.pk)
    return render(request, "orgs/move.html", context)


@requires(Permission.MANAGE_ORGANIZATIONS)
@require_http_methods(["GET", "POST"])
def dissolve(request: AuthedRequest, pk: int) -> HttpResponse:
    """撤销党组织: refused while it has members or live sub-organizations (the service)."""
    organization = queries.access_writable_organization(request.user, pk)
    context: dict[str, Any] = {"organization": organization, "fields": {}, "form": {}}
    if request.method == "POST":
        context["form"] = {"on": request.POST.get("on", "")}
        try:
            services.dissolve_organization(
                organization=organization,
                on=date_of(request.POST, "on", "撤销日期"),
                by=request.user,
            )
        except InvalidInput as exc:
            return _refused(request, "orgs/dissolve.html", context, exc)
        messages.success(request, f"已撤销{organization.name}")
        return redirect("orgs:detail", pk=organization.pk)
    return render(request, "orgs/dissolve.html", context)


@requires(Permission.VIEW_ORGANIZATIONS)
def terms_due(request: AuthedRequest, pk: int) -> HttpResponse:
    """换届提醒: every term in the subtree overdue or due within 90 days, paged, counted."""
    organization = queries.access_organization(request.user, pk)
    rows = queries.terms_due(request.user, under=organization)
    paginator = CountedTo(rows, settings.JICENG_PAGE_SIZE, cap=TERMS_COUNTED)
    page = paginator.get_page(request.GET.get("page"))
    today = clock.today()
    return render(
        request,
        "orgs/terms_due.html",
        {
            "organization": organization,
            "page": page,
            "rows": [(c, (c.term_due - today).days) for c in page.object_list],
            "cap": TERMS_COUNTED,
            "overdue": queries.terms_overdue_count(
                request.user, under=organization, cap=TERMS_COUNTED
            ),
        },
    )


def _seat_context(organization: Organization) -> dict[str, Any]:
    """The members a committee form offers: those on the roll here and below (SEAT_CHOICES at
    most, by name), each with their organization where it is another."""
    members = list(
        services.members_on_roll_under(organization)
        .select_related("organization")
        .order_by("name", "pk")[:SEAT_CHOICES]
    )
    return {"organization": organization, "members": members}


def _padded(seats: list[tuple[Any, ...]], width: int, first: str) -> list[tuple[Any, ...]]:
    """The form's seat rows: the given ones, then blanks up to SEAT_ROWS, each with its index;
    an empty form's first row offers the post `first` (书记, 主任)."""
    blank = ("",) * width
    rows = [*seats, *([blank] * (SEAT_ROWS - len(seats)))][:SEAT_ROWS]
    if not seats:
        rows[0] = (*blank[:-1], first)
    return [(i, *row) for i, row in enumerate(rows)]


@requires(Permission.MANAGE_ORGANIZATIONS)
@require_http_methods(["GET", "POST"])
def election(request: AuthedRequest, pk: int) -> HttpResponse:
    """记录换届选举: the new committee and its posts; the roles follow (orgs.services)."""
    organization = queries.access_writable_organization(request.user, pk)
    services.check_can_record_election(request.user, organization)
    context = _seat_context(organization)
    current = queries.current_committee(organization)
    seats = [(s.member_id, s.post) for s in current.seats.all()] if current else []
    context.update(
        posts=Post.choices,
        current=current,
        form={"term_start": ""},
        seat_rows=_padded(seats, 2, Post.SECRETARY),
        fields={},
    )
    if request.method == "POST":
        chosen = [
            (_int(request.POST.get(f"seat-{row}-member")), request.POST.get(f"seat-{row}-post"))
            for row in range(SEAT_ROWS)
        ]
        context["form"] = {"term_start": request.POST.get("term_start", "")}
        context["seat_rows"] = _padded([c for c in chosen if c[0] is not None], 2, Post.SECRETARY)
        try:
            term_start = date_of(request.POST, "term_start", "本届开始日期")
            if term_start is None:
                raise InvalidInput(
                    "请填写本届开始日期", fields={"term_start": "请填写本届开始日期"}
                )
            services.elect_committee(
                organization=organization,
                term_start=term_start,
                seats=committee_seats(request.POST, {m.pk: m for m in context["members"]}),
                by=request.user,
            )
        except InvalidInput as exc:
            return _refused(request, "orgs/election.html", context, exc)
        messages.success(request, "换届选举结果已录入，新一届委员会成员的角色已随之调整")
        return redirect("orgs:detail", pk=organization.pk)
    return render(request, "orgs/election.html", context)


@requires(Permission.MANAGE_ORGANIZATIONS)
@require_http_methods(["GET", "POST"])
def self_government_election(request: AuthedRequest, pk: int) -> HttpResponse:
    """记录村（居）民委员会换届: its members (party members or not), posts and term."""
    organization = queries.access_writable_organization(request.user, pk)
    kind = self_government.kind_for(organization)
    if kind is None:
        raise InvalidInput("只有村、社区的党组织录入村（居）民委员会")
    context = _seat_context(organization)
    current = queries.current_self_government(organization)
    seats = (
        [("" if s.member_id else s.name, s.member_id, s.post) for s in current.seats.all()]
        if current
        else []
    )
    context.update(
        kind=kind,
        posts=SelfGovernmentPost.choices,
        current=current,
        form={"term_start": ""},
        seat_rows=_padded(seats, 3, SelfGovernmentPost.CHAIR),
        fields={},
    )
    if request.method == "POST":
        chosen = [
            (
                request.POST.get(f"seat-{row}-name", ""),
                _int(request.POST.get(f"seat-{row}-member")),
                request.POST.get(f"seat-{row}-post"),
            )
            for row in range(SEAT_ROWS)
        ]
        context["form"] = {"term_start": request.POST.get("term_start", "")}
        context["seat_rows"] = _padded(
            [c for c in chosen if c[0] or c[1] is not None], 3, SelfGovernmentPost.CHAIR
        )
        try:
            term_start = date_of(request.POST, "term_start", "本届开始日期")
            if term_start is None:
                raise InvalidInput(
                    "请填写本届开始日期", fields={"term_start": "请填写本届开始日期"}
                )
            self_government.elect_self_government(
                organization=organization,
                term_start=term_start,
                seats=self_government_seats(request.POST, {m.pk: m for m in context["members"]}),
                by=request.user,
            )
        except InvalidInput as exc:
            return _refused(request, "orgs/self_government.html", context, exc)
        messages.success(request, f"{kind.label}换届结果已录入")
        return redirect("orgs:detail", pk=organization.pk)
    return render(request, "orgs/self_government.html", context)


def _int(text: str | None) -> int | None:
    text = (text or "").strip()
    return int(text) if text.isdigit() and len(text) <= 15 else None
