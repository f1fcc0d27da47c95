from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest

from jiceng.accounts.models import User
from jiceng.consent import services
from jiceng.consent.models import ConsentProject, ConsentRound, ProjectKind
from jiceng.core import clock
from jiceng.divisions.models import Division
from jiceng.notices import sms
from jiceng.testing.personas import Tree

NOW = dt.datetime(2026, 6, 10, 9, 0, tzinfo=clock.CHINA)
DEADLINE = NOW + dt.timedelta(days=14)

# 3栋2单元: six floors, two units a floor (601 is 王芳's as well as 501); the lift's shaft
# takes part of 101's kitchen.
ROOMS = [
    ("101", 1, "88.50", "赵建华", "13800000101", True),
    ("102", 1, "72.30", "钱丽", "13800000102", False),
    ("201", 2, "88.50", "孙明", "13800000201", False),
    ("202", 2, "72.30", "李娜", "13800000202", False),
    ("301", 3, "88.50", "周伟", "13800000301", False),
    ("302", 3, "72.30", "吴芳", "", False),
    ("401", 4, "88.50", "郑强", "13800000401", False),
    ("402", 4, "72.30", "冯敏", "13800000402", False),
    ("501", 5, "88.50", "王芳", "13800000501", False),
    ("502", 5, "72.30", "陈静", "13800000502", False),
    ("601", 6, "88.50", "王芳", "13800000501", False),
    ("602", 6, "72.30", "褚磊", "13800000602", False),
]


@pytest.fixture
def frozen() -> Iterator[None]:
    with clock.frozen(NOW):
        yield


@pytest.fixture
def outbox() -> Iterator[list[sms.SmsMessage]]:
    sms.LocmemBackend.outbox.clear()
    yield sms.LocmemBackend.outbox
    sms.LocmemBackend.outbox.clear()


@pytest.fixture
def send_code(
    django_capture_on_commit_callbacks: Any, outbox: list[sms.SmsMessage]
) -> Callable[..., str]:
    """services.send_code, its SMS sent as its transaction commits; the code it sent."""

    def send(**kwargs: Any) -> str:
        with django_capture_on_commit_callbacks(execute=True):
            services.send_code(**kwargs)
        return outbox[-1].text.split("验证码")[1][:8]

    return send
    sms.LocmemBackend.outbox.clear()


@pytest.fixture
def community(tree: Tree, grid_divisions: dict[str, Division]) -> Division:
    """文苑社区 (320113007001)."""
    return grid_divisions["320113007001"]


def make_project(community: Division, by: User | None = None) -> ConsentProject:
    project = services.create_project(
        community=community,
        kind=ProjectKind.LIFT,
        name="文苑小区3栋2单元加装电梯",
        building="3栋",
        unit="2单元",
        by=by,
    )
    for room, floor, area, name, phone, occupied in ROOMS:
        services.add_household(
            project=project,
            room=room,
            floor=floor,
            area=Decimal(area),
            owner_name=name,
            owner_phone=phone,
            is_occupied=occupied,
            by=by,
        )
    return project


@pytest.fixture
def project(community: Division, frozen: None) -> ConsentProject:
    return make_project(community)


@pytest.fixture
def round_(project: ConsentProject) -> ConsentRound:
    return services.open_round(project=project, deadline=DEADLINE, by=None)
