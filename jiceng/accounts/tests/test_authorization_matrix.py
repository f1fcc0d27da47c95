"""Authorization matrices: every resource, read and written, by every kind of caller.

The target is always 文苑社区第一党支部 (tree.branch) and one of its members. Callers:
anonymous; a member of another organization (尧化); the secretary of the sibling branch; the
organization department of a parent (仙林街道党工委); a street official whose role names the
division; the branch's own secretary; and each of the three separated administrators.

Outcomes: "ok" (2xx), "login" (web: to the sign-in page; API: 401), "403" (the role lacks the
permission), "404" (the row is outside the scope, so its existence does not leak). A refused
write must leave the rows as they were.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import reverse

from jiceng.accounts.models import User
from jiceng.members.models import Category, Education, Member, MemberStatus
from jiceng.testing.personas import Tree, add_member, new_id_number, verified_client

CALLERS = [
    "anonymous",
    "other_member",
    "sibling_secretary",
    "street_official",  # organization department of the street: a parent of the branch
    "division_official",
    "secretary",
    "system_admin",
    "security_admin",
    "audit_admin",
]
ADMINS = {"system_admin", "security_admin", "audit_admin"}


@dataclass(frozen=True)
class Target:
    tree: Tree
    member: Member


Call = Callable[[Client, Target], object]


def get(url: Callable[[Target], str]) -> Call:
    return lambda client, t: client.get(url(t))


def post(url: Callable[[Target], str], data: Callable[[Target], dict[str, object]]) -> Call:
    return lambda client, t: client.post(url(t), data(t))


def api(method: str, url: Callable[[Target], str], body: Callable[[Target], object]) -> Call:
    return lambda client, t: client.generic(
        method, url(t), json.dumps(body(t), default=str), content_type="application/json"
    )


def new_member_body(t: Target) -> dict[str, object]:
    return {
        "name": "赵敏",
        "id_number": new_id_number(),
        "ethnicity": "汉族",
        "phone": "13912345678",
        "education": Education.values[0],
        "category": Category.values[0],
        "joined_on": dt.date(2012, 7, 1),
        "full_member_on": dt.date(2013, 7, 1),
        "status": MemberStatus.FULL,
        "organization_id": t.tree.branch.pk,
    }


L, OK, F, N = "login", "ok", "403", "404"
# resource: (call, outcomes in the order of CALLERS)
MATRIX: dict[str, tuple[Call, tuple[str, ...]]] = {
    "organization page": (
        get(lambda t: reverse("orgs:detail", args=[t.tree.branch.pk])),
        (L, F, N, OK, OK, OK, F, F, F),
    ),
    "member list of the branch": (
        get(lambda t: f"{reverse('members:list')}?org={t.tree.branch.pk}"),
        (L, N, N, OK, OK, OK, F, F, F),
    ),
    "member page": (
        get(lambda t: reverse("members:detail", args=[t.member.pk])),
        (L, N, N, OK, OK, OK, F, F, F),
    ),
    "unmasked ID and phone (page)": (
        post(lambda t: reverse("members:personal_data", args=[t.member.pk]), lambda t: {}),
        (L, F, N, OK, F, OK, F, F, F),
    ),
    "member export": (
        get(lambda t: f"{reverse('members:export')}?org={t.tree.branch.pk}"),
        (L, F, N, OK, OK, OK, F, F, F),
    ),
    "organization export": (
        get(lambda t: reverse("orgs:export", args=[t.tree.branch.pk])),
        (L, F, N, OK, OK, OK, F, F, F),
    ),
    "member import page": (
        get(lambda t: f"{reverse('members:import')}?org={t.tree.branch.pk}"),
        (L, F, N, OK, F, OK, F, F, F),
    ),
    "organization import page": (
        get(lambda t: f"{reverse('orgs:import')}?org={t.tree.community.pk}"),
        (L, F, N, OK, F, N, F, F, F),
    ),
    "API organization": (
        get(lambda t: f"/api/v1/organizations/{t.tree.branch.pk}"),
        (L, F, N, OK, OK, OK, F, F, F),
    ),
    "API member": (
        get(lambda t: f"/api/v1/members/{t.member.pk}"),
        (L, N, N, OK, OK, OK, F, F, F),
    ),
    "API member list of the branch": (
        get(lambda t: f"/api/v1/members?org={t.tree.branch.pk}"),
        (L, N, N, OK, OK, OK, F, F, F),
    ),
    "API unmasked ID and phone": (
        get(lambda t: f"/api/v1/members/{t.member.pk}/personal-data"),
        (L, F, N, OK, F, OK, F, F, F),
    ),
    "API rename the branch": (
        api(
            "PATCH",
            lambda t: f"/api/v1/organizations/{t.tree.branch.pk}",
            lambda t: {"name": "改名支部"},
        ),
        (L, F, N, OK, F, OK, F, F, F),
    ),
    "API change a member": (
        api("PATCH", lambda t: f"/api/v1/members/{t.member.pk}", lambda t: {"work_place": "南京"}),
        (L, F, N, OK, F, OK, F, F, F),
    ),
    "API register a member": (
        api("POST", lambda t: "/api/v1/members", new_member_body),
        (L, F, N, OK, F, OK, F, F, F),
    ),
    "API dissolve the sibling branch": (
        api(
            "POST",
            lambda t: f"/api/v1/organizations/{t.tree.sibling.pk}/dissolve",
            lambda t: {"dissolved_on": "2026-01-01"},
        ),
        # 撤销 is decided above: a branch's own secretary does not dissolve it (orgs.services)
        (L, F, N, OK, F, N, F, F, F),
    ),
    "accounts (admin)": (
        get(lambda t: reverse("admin:accounts_user_changelist")),
        (L, L, L, L, L, L, OK, OK, F),
    ),
    "new account (admin)": (
        get(lambda t: reverse("admin:accounts_user_add")),
        (L, L, L, L, L, L, OK, F, F),
    ),
    "roles (admin)": (
        get(lambda t: reverse("admin:accounts_roleassignment_changelist")),
        (L, L, L, L, L, L, F, OK, F),
    ),
    "grant a role (admin)": (
        get(lambda t: reverse("admin:accounts_roleassignment_add")),
        (L, L, L, L, L, L, F, OK, F),
    ),
    "audit records (admin)": (
        get(lambda t: reverse("admin:core_auditrecord_changelist")),
        (L, L, L, L, L, L, F, F, OK),
    ),
}


def outcome(response: object, *, api_call: bool) -> str:
    status = response.status_code  # type: ignore[attr-defined]
    if 200 <= status < 300:
        return OK
    if status == 401 and api_call:
        return L
    if status == 302:
        location = response["Location"]  # type: ignore[index]
        # The admin's own sign-in address forwards to the one sign-in page.
        if location.startswith((reverse("accounts:login"), reverse("admin:login"))):
            return L
    return str(status)


def state(t: Target) -> tuple[object, ...]:
    t.member.refresh_from_db()
    sibling = type(t.tree.sibling).objects.get(pk=t.tree.sibling.pk)
    return (
        type(t.tree.branch).objects.get(pk=t.tree.branch.pk).name,
        sibling.dissolved_on,
        t.member.work_place,
        Member.objects.count(),
    )


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("resource", list(MATRIX))
def test_authorization_matrix(
    resource: str, caller: str, tree: Tree, request: pytest.FixtureRequest
) -> None:
    call, outcomes = MATRIX[resource]
    expected = outcomes[CALLERS.index(caller)]
    target = Target(tree=tree, member=add_member(tree.branch, name="孙丽"))
    client = Client()
    if caller in ADMINS:
        client = verified_client(request.getfixturevalue(caller))
    elif caller != "anonymous":
        client.force_login(request.getfixturevalue(caller))
    before = state(target)
    response = call(client, target)
    got = outcome(response, api_call=resource.startswith("API"))
    assert got == expected, f"{caller} → {resource}: {got}, expected {expected}"
    if expected != OK:
        assert state(target) == before, "a refused call changed something"


def test_matrix_rows_name_every_caller() -> None:
    assert all(len(outcomes) == len(CALLERS) for _, outcomes in MATRIX.values())


def test_a_superuser_without_roles_gets_nothing(tree: Tree) -> None:
    """Production does not rely on Django's superuser: the flag opens no page and no row."""
    root = User.objects.create_superuser("root", password="Pa55word!x")
    client = Client()
    client.force_login(root)
    assert client.get(reverse("orgs:detail", args=[tree.branch.pk])).status_code == 403
    assert client.get(f"/api/v1/organizations/{tree.branch.pk}").status_code == 403
    response = client.get(reverse("admin:accounts_user_changelist"))
    assert response.status_code == 302
