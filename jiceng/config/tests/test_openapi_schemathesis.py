"""Schemathesis over /api/v1/openapi.json: every operation, generated data, a signed-in user.

The schema is read from the Django application itself (its WSGI handler, called in this thread,
so every request sees the test's transaction). Each operation then gets:

- explicit examples: well-formed requests on real rows (create, update, move, dissolve, elect a
  committee, register a member...), so the success answers are checked, not only the refusals;
- MAX_EXAMPLES generated requests (positive data), about half of them with their ids, division
  codes, ID numbers and search words swapped for real ones, so they reach rows and not only 404s;
- NEGATIVE_EXAMPLES requests with data that breaks the schema, which must not crash the server.

All as 栖霞区委组织部 (the district_department persona, here also a street official over the
whole district, so the grid, case and metrics routes answer too) over the persona tree with a
few members, a party group, a committee and the divisions the tree names. Writes go through and
stay for the later requests of the run (the pool of real ids is reread before each operation);
refused ones answer 400/404, which is fine.

Every positive response must: not be a server error, have a status code the schema documents,
the content type it documents, and a body that conforms to the documented schema. An operation
with explicit examples, and every GET without path parameters (a list), must also succeed at
least once; the others reach real rows only by chance and are held to conformance alone.

Authentication is the real thing, not the test client's shortcut: a session cookie from
force_login and, because ninja's session auth runs Django's CSRF check on unsafe methods and a
plain WSGI request is not exempt from it (only django.test.Client marks requests so), a csrftoken
cookie with the matching X-CSRFToken header, made by django.middleware.csrf.get_token.

Generation is derandomized (the same requests on every run), so CI is stable. The failures of
all operations are collected and reported together, each with its request and, for a 500, the
server's traceback.
"""

from __future__ import annotations

import datetime as dt
import sys
import textwrap
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import got_request_exception, request_finished, request_started
from django.db import close_old_connections
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.test import Client, override_settings
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import CheckFunction
from schemathesis.core import NotSet
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Err

from jiceng.accounts.models import Role, RoleAssignment, User
from jiceng.accounts.services import assign_role
from jiceng.cases.models import Department
from jiceng.cases.units import add_department_staff
from jiceng.divisions.models import Division
from jiceng.grid.services import create_grid
from jiceng.members.models import Member
from jiceng.orgs import services as org_services
from jiceng.orgs.models import Organization, OrgKind, PartyGroup, Post, Sector
from jiceng.testing.grid_personas import square
from jiceng.testing.personas import Tree, add_member, new_id_number
from jiceng.villages import services as village_services
from jiceng.villages.models import Post as VillagePost
from jiceng.villages.models import SendingUnit

pytestmark = pytest.mark.slow

SCHEMA_PATH = "/api/v1/openapi.json"
MAX_EXAMPLES = 25
NEGATIVE_EXAMPLES = 10

CONFORMANCE: list[CheckFunction] = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
]
NO_SERVER_ERROR: list[CheckFunction] = [schemathesis.checks.not_a_server_error]

# 江苏省 > 南京市 > 栖霞区 with the streets and communities the persona tree names, and one
# province elsewhere, so division lookups, children, ancestors and `under` searches find rows.
DIVISIONS = [
    ("320000000000", "江苏省", 1, None),
    ("320100000000", "南京市", 2, "320000000000"),
    ("320113000000", "栖霞区", 3, "320100000000"),
    ("320113001000", "尧化街道", 4, "320113000000"),
    ("320113001001", "尧化门社区居委会", 5, "320113001000"),
    ("320113007000", "仙林街道", 4, "320113000000"),
    ("320113007001", "文苑社区居委会", 5, "320113007000"),
    ("110000000000", "北京市", 1, None),
]
SHORT_CODES = ["32", "3201", "320113", "320113007", "11"]


@dataclass
class World:
    """The rows the requests are pointed at."""

    tree: Tree
    members: list[Member]
    spare_branch: Organization  # no members, no children: it can be moved and dissolved
    party_group: PartyGroup
    id_numbers: list[str]  # of the members, in the clear (the rows hold them sealed)
    fresh_id_numbers: list[str]  # valid, not registered yet

    def replacements(self, *, divisions: bool) -> dict[str, st.SearchStrategy[Any]]:
        """What a parameter or body field of a given name is pointed at, from the rows now."""
        district = Organization.objects.get(pk=self.tree.district.pk)
        in_scope = Organization.objects.filter(path__startswith=district.path)
        above = [self.tree.root.pk, self.tree.province.pk]  # out of scope: 404
        orgs = st.sampled_from([*in_scope.order_by("pk").values_list("pk", flat=True), *above])
        members = Member.objects.filter(organization__path__startswith=district.path)
        codes = st.sampled_from([code for code, *_ in DIVISIONS] + SHORT_CODES)
        words = (
            ["仙林", "栖霞", "社区", "江苏", "南京市"] if divisions else ["文苑", "党支部", "尧化"]
        )
        return {
            "org_id": orgs,
            "org": orgs,
            "parent_id": orgs,
            "new_parent_id": orgs,
            "organization_id": orgs,
            "member_id": st.sampled_from(list(members.order_by("pk").values_list("pk", flat=True))),
            "party_group_id": st.sampled_from(
                list(PartyGroup.objects.order_by("pk").values_list("pk", flat=True))
            ),
            "code": codes,
            "under": codes,
            "division_code": codes,
            "residential_division_code": codes,
            "q": st.sampled_from(words),
            "name": st.sampled_from([m.name for m in self.members] + ["张"]),
            "id_number": st.sampled_from(self.id_numbers + self.fresh_id_numbers),
        }

    def examples(self, label: str) -> list[dict[str, Any]]:
        """Well-formed requests on real rows for an operation (the arguments of operation.Case)."""
        t = self.tree
        first, second, *_ = self.members
        member = {
            "name": "赵敏",
            "id_number": self.fresh_id_numbers[0],
            "phone": "13905140001",
            "education": "BACHELOR",
            "category": "EMPLOYED",
            "joined_on": "2015-07-01",
            "full_member_on": "2016-07-01",
            "status": "FULL",
            "organization_id": t.branch.pk,
            "party_group_id": self.party_group.pk,
            "residential_division_code": "320113007001",
        }
        by_label: dict[str, list[dict[str, Any]]] = {
            "GET /api/v1/divisions": [
                {"query": {}},
                {"query": {"q": "仙林", "under": "320113"}},
            ],
            "GET /api/v1/divisions/{code}": [{"path_parameters": {"code": "320113007"}}],
            # Inside the grid the test makes (the platform's service area): 红帆驿站.
            "GET /api/v1/stations/nearby": [
                {"query": {"lon": 118.902, "lat": 32.102, "amenity": ["water"]}}
            ],
            "GET /api/v1/divisions/{code}/children": [{"path_parameters": {"code": "320113"}}],
            "GET /api/v1/divisions/{code}/ancestors": [
                {"path_parameters": {"code": "320113007001"}}
            ],
            "GET /api/v1/organizations": [{"query": {"q": "文苑"}}],
            "POST /api/v1/organizations": [
                {
                    "body": {
                        "parent_id": t.community.pk,
                        "name": "文苑社区第三党支部",
                        "kind": OrgKind.BRANCH,
                        "sector": Sector.COMMUNITY,
                        "division_code": "320113007001",
                        "founded_on": "2020-05-01",
                    }
                }
            ],
            "GET /api/v1/organizations/{org_id}": [
                {"path_parameters": {"org_id": t.branch.pk}},
                {"path_parameters": {"org_id": t.district.pk}},
            ],
            "PATCH /api/v1/organizations/{org_id}": [
                {
                    "path_parameters": {"org_id": t.sibling.pk},
                    "body": {"name": "文苑社区第二党支部（改）", "division_code": "320113007"},
                }
            ],
            "GET /api/v1/organizations/{org_id}/children": [
                {"path_parameters": {"org_id": t.xianlin.pk}}
            ],
            "GET /api/v1/organizations/{org_id}/subtree": [
                {"path_parameters": {"org_id": t.district.pk}, "query": {"max_depth": 10}}
            ],
            "GET /api/v1/organizations/{org_id}/terms-due": [
                {"path_parameters": {"org_id": t.district.pk}, "query": {"within_days": 3650}}
            ],
            "POST /api/v1/organizations/{org_id}/move": [
                {
                    "path_parameters": {"org_id": self.spare_branch.pk},
                    "body": {"new_parent_id": t.community.pk},
                }
            ],
            "POST /api/v1/organizations/{org_id}/dissolve": [
                {"path_parameters": {"org_id": self.spare_branch.pk}, "body": {}}
            ],
            "POST /api/v1/organizations/{org_id}/committee": [
                {
                    "path_parameters": {"org_id": t.branch.pk},
                    "body": {
                        "term_start": "2024-03-01",
                        "seats": [
                            {"member_id": first.pk, "post": Post.SECRETARY},
                            {"member_id": second.pk, "post": Post.PUBLICITY},
                        ],
                    },
                }
            ],
            "GET /api/v1/members": [
                {"query": {"org": t.branch.pk, "status": "FULL"}},
                {"query": {"id_number": self.id_numbers[0]}},
                {"query": {"mobile": True}},
            ],
            "POST /api/v1/members": [{"body": member}],
            "GET /api/v1/members/{member_id}": [{"path_parameters": {"member_id": first.pk}}],
            "PATCH /api/v1/members/{member_id}": [
                {
                    "path_parameters": {"member_id": second.pk},
                    "body": {"phone": "13905140002", "is_mobile": True, "work_place": "苏州"},
                }
            ],
        }
        return by_label.get(label, [])


@pytest.fixture
def world(tree: Tree) -> World:
    Division.objects.bulk_create(
        Division(code=code, name=name, level=level, parent_id=parent)
        for code, name, level, parent in DIVISIONS
    )
    specs: list[tuple[Organization, dict[str, Any]]] = [
        (tree.branch, {"name": "张红梅"}),
        (tree.branch, {"name": "李建华", "phone": "", "education": ""}),
        (tree.branch, {"name": "王芳", "status": "预备党员", "full_member_on": None}),
        (tree.sibling, {"name": "刘洋", "category": "离退休人员"}),
        (tree.yaohua_branch, {"name": "陈静", "is_mobile": "是", "work_place": "上海浦东"}),
    ]
    id_numbers = [new_id_number() for _ in specs]
    members = [
        add_member(organization, id_number=number, **fields)
        for (organization, fields), number in zip(specs, id_numbers, strict=True)
    ]
    group = PartyGroup.objects.create(organization=tree.branch, name="第一党小组")
    Member.objects.filter(pk=members[0].pk).update(party_group=group)
    # A term that began long ago: terms-due finds an overdue committee, details show seats.
    org_services.elect_committee(
        organization=tree.branch,
        term_start=dt.date(2019, 3, 1),
        seats=[(members[0], Post.SECRETARY), (members[1], Post.ORGANIZATION)],
        by=None,
    )
    spare = org_services.create_organization(
        parent=tree.yaohua,
        name="尧化街道机关党支部",
        kind=OrgKind.BRANCH,
        sector=Sector.AGENCY,
        by=None,
    )
    return World(
        tree=tree,
        members=members,
        spare_branch=spare,
        party_group=group,
        id_numbers=id_numbers,
        fresh_id_numbers=[new_id_number(birth=dt.date(1990, 1, 9)) for _ in range(3)]
        + [new_id_number(area="110101")],
    )


def signed_in(user: User) -> tuple[dict[str, str], dict[str, str]]:
    """Cookies and headers of a browser that signed in as `user` and holds a CSRF token."""
    client = Client()
    client.force_login(user)
    session_key = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    request = HttpRequest()
    token = get_token(request)  # masked, for the header; the secret goes in the cookie
    secret = request.META["CSRF_COOKIE"]
    header = django_settings.CSRF_HEADER_NAME.removeprefix("HTTP_").replace("_", "-")
    cookies = {
        django_settings.SESSION_COOKIE_NAME: session_key,
        django_settings.CSRF_COOKIE_NAME: secret,
    }
    return cookies, {header: token}


@contextmanager
def in_process_requests() -> Iterator[list[str]]:
    """Serve requests in the test's transaction; yield the tracebacks of unhandled exceptions.

    Django closes the database connection around every request it serves (close_old_connections
    on request_started/finished); django.test.Client turns that off, and so must a WSGI caller
    that shares the test's connection, or PostgreSQL would lose the test's transaction.
    """
    tracebacks: list[str] = []

    def record(sender: object, **kwargs: object) -> None:
        tracebacks.append("".join(traceback.format_exception(*sys.exc_info())))

    signals = [request_started, request_finished]
    detached = [signal for signal in signals if signal.disconnect(close_old_connections)]
    got_request_exception.connect(record)
    try:
        yield tracebacks
    finally:
        got_request_exception.disconnect(record)
        for signal in detached:
            signal.connect(close_old_connections)


def _point(
    draw: st.DrawFn, value: Any, replacements: dict[str, st.SearchStrategy[Any]], depth: int
) -> None:
    """Swap the values of known keys in a container (and its nested objects) for real ones."""
    if isinstance(value, list) and depth < 3:
        for item in value:
            _point(draw, item, replacements, depth + 1)
    if isinstance(value, dict) and depth < 3:
        for key in list(value):
            if key in replacements:
                value[key] = draw(replacements[key])
            else:
                _point(draw, value[key], replacements, depth + 1)


def with_real_values(
    cases: st.SearchStrategy[schemathesis.Case], replacements: dict[str, st.SearchStrategy[Any]]
) -> st.SearchStrategy[schemathesis.Case]:
    """The generated cases, about half of them with real ids, codes and names put in."""

    @st.composite
    def pointed(draw: st.DrawFn) -> schemathesis.Case:
        case = draw(cases)
        for container in (case.path_parameters, case.query, case.body):
            _point(draw, container, replacements, 0)
        return case

    return st.one_of(cases, pointed())


def exercise(
    cases: st.SearchStrategy[schemathesis.Case],
    examples: list[schemathesis.Case],
    *,
    max_examples: int,
    checks: list[CheckFunction],
    auth: tuple[dict[str, str], dict[str, str]],
    tracebacks: list[str],
    statuses: Counter[int],
) -> Callable[[], None]:
    cookies, headers = auth

    @settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    @given(case=cases)
    def run(case: schemathesis.Case) -> None:
        tracebacks.clear()
        try:
            response = case.call_and_validate(cookies=cookies, headers=headers, checks=checks)
        except BaseException as exc:
            # Hypothesis's own notes do not reach schemathesis's exception groups: add ours.
            body = "" if isinstance(case.body, NotSet) else f" body={case.body!r}"
            exc.add_note(f"Request: {case.method} {case.formatted_path} query={case.query!r}{body}")
            exc.add_note("".join(f"Server traceback:\n{text}" for text in tracebacks))
            raise
        statuses[response.status_code] += 1

    for case in reversed(examples):
        run = example(case=case)(run)
    return run


def describe(exc: BaseException) -> str:
    lines = [f"{type(exc).__name__}: {exc}"]
    if isinstance(exc, BaseExceptionGroup) and not isinstance(exc, FailureGroup):
        lines.extend(textwrap.indent(describe(sub), "  ") for sub in exc.exceptions)
    lines.extend(note for note in getattr(exc, "__notes__", []) if note)
    return "\n".join(lines)


def world_member(user: User) -> int | None:
    """Makes the account a member's: its member record is the first branch's first member."""
    member = Member.objects.order_by("pk").first()
    if member is None:
        return None
    User.objects.filter(pk=user.pk).update(member=member)
    user.member = member
    RoleAssignment.objects.get_or_create(user=user, role=Role.MEMBER)
    return member.pk


def test_api_conforms_to_its_openapi_schema(world: World, district_department: User) -> None:
    hosts = [*django_settings.ALLOWED_HOSTS, "localhost"]  # the Host the WSGI client sends
    failures: list[str] = []
    summary: dict[str, Counter[int]] = {}
    must_succeed: set[str] = set()
    district = Division.objects.get(code="320113000000")
    assign_role(user=district_department, role=Role.STREET_OFFICIAL, division=district, by=None)
    department = Department.objects.create(
        district=district, name="栖霞区城市管理局", function="城管"
    )
    add_department_staff(user=district_department, department=department, by=None)
    # A grid: the riders' nearest stations answer only inside the platform's service area.
    create_grid(
        code="XL-WY-01",
        name="文苑第一网格",
        community=Division.objects.get(code="320113007001"),
        boundary=square(118.900, 32.100, 118.905, 32.105),
        by=None,
    )
    # ... and a member of a branch, for the member's own reads (/points/me).
    own = world_member(district_department)
    assert own is not None
    # ... and a village cadre serving in a village, for the cadre's own reads (/villages/me).
    village = org_services.create_organization(
        parent=world.tree.xianlin,
        name="石埠桥村党支部",
        kind=OrgKind.BRANCH,
        sector=Sector.VILLAGE,
        by=None,
    )
    village_services.dispatch_cadre(
        organization=village,
        cadre=district_department,
        sending_unit=SendingUnit.objects.create(name="栖霞区农业农村局"),
        post=VillagePost.TEAM_MEMBER,
        starts_on=dt.date(2026, 1, 5),
        by=None,
    )
    with override_settings(ALLOWED_HOSTS=hosts), in_process_requests() as tracebacks:
        app = WSGIHandler()
        schema = schemathesis.openapi.from_wsgi(SCHEMA_PATH, app, config=schemathesis.Config())
        auth = signed_in(district_department)
        for result in schema.get_all_operations():
            if isinstance(result, Err):
                failures.append(f"unusable operation in the schema: {result.err()}")
                continue
            operation = result.ok()
            divisions = operation.path.startswith("/api/v1/divisions")
            examples = [operation.Case(**kwargs) for kwargs in world.examples(operation.label)]
            if examples or (operation.method.upper() == "GET" and "{" not in operation.path):
                must_succeed.add(operation.label)
            positive = with_real_values(
                operation.as_strategy(), world.replacements(divisions=divisions)
            )
            runs = [
                (operation.label, positive, examples, MAX_EXAMPLES, CONFORMANCE),
                (
                    f"{operation.label} (negative data)",
                    operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
                    [],
                    NEGATIVE_EXAMPLES,
                    NO_SERVER_ERROR,
                ),
            ]
            for label, cases, explicit, max_examples, checks in runs:
                summary[label] = statuses = Counter[int]()
                run = exercise(
                    cases,
                    explicit,
                    max_examples=max_examples,
                    checks=checks,
                    auth=auth,
                    tracebacks=tracebacks,
                    statuses=statuses,
                )
                try:
                    run()
                except Unsatisfiable:
                    # An operation without parameters or body has no invalid data to make.
                    if "negative" not in label:
                        raise
                except (Exception, BaseExceptionGroup) as exc:
                    failures.append(f"{label}\n{textwrap.indent(describe(exc), '    ')}")
    for label, statuses in summary.items():
        print(f"{label}: {dict(sorted(statuses.items()))}")
        if label in must_succeed and not any(200 <= code < 300 for code in statuses):
            failures.append(f"{label}\n    no request succeeded: {dict(statuses)}")
    assert len(summary) >= 2 * 19, f"only {len(summary) // 2} operations in {SCHEMA_PATH}"
    assert not failures, f"{len(failures)} failing:\n\n" + "\n\n".join(failures)
