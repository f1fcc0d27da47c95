"""Named people and a small real tree for tests: 栖霞区, two streets, a community with two
branches. Import the fixtures through the root conftest (pytest_plugins)."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from jiceng.accounts.models import Role, RoleAssignment, User
from jiceng.core import idnumbers
from jiceng.members import services as member_services
from jiceng.members.models import Member
from jiceng.orgs.models import Organization, OrgKind, Sector

_sequence = itertools.count(1)
PASSWORD = "Pa55word!x"


@dataclass
class Tree:
    root: Organization
    province: Organization
    city: Organization
    district: Organization
    xianlin: Organization  # 仙林街道党工委
    community: Organization  # 仙林街道某社区党委
    branch: Organization  # its 第一党支部
    sibling: Organization  # its 第二党支部
    yaohua: Organization  # 尧化街道党工委
    yaohua_branch: Organization


def add(parent: Organization, **fields: Any) -> Organization:
    return Organization.objects.add_child(Organization.objects.get(pk=parent.pk), fields)


def build_tree() -> Tree:
    root = Organization.objects.add_root({"name": "中国共产党", "kind": OrgKind.CENTRAL})
    province = add(
        root, name="中共江苏省委", kind=OrgKind.LOCAL_COMMITTEE, division_id="320000000000"
    )
    city = add(
        province, name="中共南京市委", kind=OrgKind.LOCAL_COMMITTEE, division_id="320100000000"
    )
    district = add(
        city, name="中共南京市栖霞区委", kind=OrgKind.LOCAL_COMMITTEE, division_id="320113000000"
    )
    xianlin = add(
        district,
        name="中共南京市栖霞区仙林街道工作委员会",
        kind=OrgKind.WORKING_COMMITTEE,
        division_id="320113007000",
    )
    community = add(
        xianlin,
        name="中共仙林街道文苑社区委员会",
        kind=OrgKind.COMMITTEE,
        sector=Sector.COMMUNITY,
        division_id="320113007001",
    )
    branch = add(
        community,
        name="文苑社区第一党支部",
        kind=OrgKind.BRANCH,
        sector=Sector.COMMUNITY,
        division_id="320113007001",
    )
    sibling = add(
        community,
        name="文苑社区第二党支部",
        kind=OrgKind.BRANCH,
        sector=Sector.COMMUNITY,
        division_id="320113007001",
    )
    yaohua = add(
        district,
        name="中共南京市栖霞区尧化街道工作委员会",
        kind=OrgKind.WORKING_COMMITTEE,
        division_id="320113001000",
    )
    yaohua_branch = add(
        yaohua,
        name="尧化社区党支部",
        kind=OrgKind.BRANCH,
        sector=Sector.COMMUNITY,
        division_id="320113001001",
    )
    from jiceng.orgs import rollups

    rollups.rebuild()
    nodes = [
        root,
        province,
        city,
        district,
        xianlin,
        community,
        branch,
        sibling,
        yaohua,
        yaohua_branch,
    ]
    for node in nodes:
        node.refresh_from_db()
    return Tree(*nodes)


def new_id_number(*, birth: dt.date = dt.date(1985, 6, 1), area: str = "320113") -> str:
    return idnumbers.make(area, birth, next(_sequence) % 1000)


def member_fields(**overrides: Any) -> dict[str, object]:
    raw: dict[str, object] = {
        "name": "张红梅",
        "id_number": new_id_number(),
        "ethnicity": "汉族",
        "phone": f"139{next(_sequence):08d}",
        "education": "大学本科",
        "category": "在岗职工",
        "joined_on": dt.date(2010, 7, 1),
        "full_member_on": dt.date(2011, 7, 1),
        "status": "正式党员",
    }
    raw.update(overrides)
    return raw


def add_member(organization: Organization, **overrides: Any) -> Member:
    data = member_services.check_member_input(member_fields(**overrides), organization=organization)
    return member_services.create_member(data=data, by=None)


def user_with(
    username: str,
    role: str,
    *,
    organization: Organization | None = None,
    division_id: str | None = None,
    **extra: Any,
) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, **extra)
    RoleAssignment.objects.create(
        user=user, role=role, organization=organization, division_id=division_id
    )
    return user


def verified_client(user: User) -> Client:
    """A client signed in as `user` who has passed the second factor with a confirmed TOTP
    device, recorded in the session exactly as django_otp.login records it."""
    device = TOTPDevice.objects.create(user=user, name="身份验证器", confirmed=True)
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def tree(db: None) -> Tree:
    return build_tree()


@pytest.fixture
def make_member(tree: Tree) -> Callable[..., Member]:
    return add_member


@pytest.fixture
def district_department(tree: Tree) -> User:
    """栖霞区委组织部: the whole district."""
    return user_with(
        "qixia-zzb",
        Role.ORGANIZATION_DEPARTMENT,
        organization=tree.district,
        display_name="区委组织部",
    )


@pytest.fixture
def street_official(tree: Tree) -> User:
    """仙林街道党工委: the street's subtree."""
    return user_with(
        "xianlin-dgw",
        Role.ORGANIZATION_DEPARTMENT,
        organization=tree.xianlin,
        display_name="仙林党工委",
    )


@pytest.fixture
def secretary(tree: Tree) -> User:
    """李秀英, secretary of 文苑社区第一党支部."""
    return user_with(
        "li-xiuying", Role.BRANCH_SECRETARY, organization=tree.branch, display_name="李秀英"
    )


@pytest.fixture
def sibling_secretary(tree: Tree) -> User:
    """王建国, secretary of the sibling branch 文苑社区第二党支部."""
    return user_with(
        "wang-jianguo", Role.BRANCH_SECRETARY, organization=tree.sibling, display_name="王建国"
    )


@pytest.fixture
def yaohua_official(tree: Tree) -> User:
    """尧化街道党工委: another street, outside 仙林."""
    return user_with(
        "yaohua-dgw",
        Role.ORGANIZATION_DEPARTMENT,
        organization=tree.yaohua,
        display_name="尧化党工委",
    )


@pytest.fixture
def member_user(tree: Tree) -> User:
    """陈晓, a member of the first branch with her own account."""
    member = add_member(tree.branch, name="陈晓")
    user = User.objects.create_user(username="chen-xiao", password=PASSWORD, member=member)
    RoleAssignment.objects.create(user=user, role=Role.MEMBER)
    return user


@pytest.fixture
def division_official(tree: Tree) -> User:
    """周强, a 仙林街道 official: his role names the street's division, not an organization."""
    return user_with(
        "zhou-qiang",
        Role.STREET_OFFICIAL,
        division_id=tree.xianlin.division_id,
        display_name="周强",
    )


@pytest.fixture
def other_member(tree: Tree) -> User:
    """刘洋, a member of 尧化社区党支部 (another street) with his own account."""
    member = add_member(tree.yaohua_branch, name="刘洋")
    user = User.objects.create_user(username="liu-yang", password=PASSWORD, member=member)
    RoleAssignment.objects.create(user=user, role=Role.MEMBER)
    return user


@pytest.fixture
def system_admin(db: None) -> User:
    """系统管理员: accounts and settings only."""
    return user_with("sysadmin", Role.SYSTEM_ADMIN, display_name="系统管理员")


@pytest.fixture
def security_admin(db: None) -> User:
    """安全管理员: roles and policies only."""
    return user_with("secadmin", Role.SECURITY_ADMIN, display_name="安全管理员")


@pytest.fixture
def audit_admin(db: None) -> User:
    """审计管理员: the audit log and nothing else."""
    return user_with("auditadmin", Role.AUDIT_ADMIN, display_name="审计管理员")


@pytest.fixture
def nobody(db: None) -> User:
    """A signed-in account with no role at all."""
    return User.objects.create_user(username="nobody", password=PASSWORD)
