"""Named people and rows for the cases tests (pytest fixtures), beside jiceng.testing.personas
and jiceng.testing.grid_personas (whose grids the cases are routed to).

    仙林街道 (320113007000): 城管中队 (城管), 市场监管所 (市场监管)
    栖霞区 (320113000000): 区城管局 (城管), 区水务局 (水务), 区住建局 (住建)

A point inside 文苑第一网格 is (118.902, 32.102); inside 尧化第一网格 (118.952, 32.152).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps

from jiceng.accounts.models import User
from jiceng.cases import categories, intake
from jiceng.cases import units as case_units
from jiceng.cases.models import Case, CaseType, Department, Station, Subject
from jiceng.divisions.models import Division
from jiceng.testing.grid_personas import Grids
from jiceng.testing.personas import PASSWORD

WENYUAN_POINT = (118.902, 32.102)
YAOHUA_POINT = (118.952, 32.152)


def ensure_categories() -> None:
    """The seeded request types and subjects, again: a transactional test's flush removes
    what the data migration added."""
    seed = importlib.import_module("jiceng.cases.migrations.0002_seed_categories")
    seed.seed(apps, None)
    categories.forget()


@dataclass
class Units:
    urban_station: Station  # 仙林街道城管中队
    market_station: Station  # 仙林街道市场监管所
    urban: Department  # 区城管局
    water: Department  # 区水务局
    housing: Department  # 区住建局


@pytest.fixture
def case_categories(db: None) -> None:
    ensure_categories()


@pytest.fixture
def units(grid_divisions: dict[str, Division], case_categories: None) -> Units:
    street, district = grid_divisions["320113007000"], grid_divisions["320113000000"]
    return Units(
        urban_station=case_units.create_station(
            name="仙林街道城管中队", street=street, function="城管", by=None
        ),
        market_station=case_units.create_station(
            name="仙林街道市场监管所", street=street, function="市场监管", by=None
        ),
        urban=case_units.create_department(
            name="栖霞区城市管理局", district=district, function="城管", by=None
        ),
        water=case_units.create_department(
            name="栖霞区水务局", district=district, function="水务", by=None
        ),
        housing=case_units.create_department(
            name="栖霞区住房和城乡建设局", district=district, function="住建", by=None
        ),
    )


def staff_of(department: Department, username: str, display_name: str) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, display_name=display_name)
    case_units.add_department_staff(user=user, department=department, by=None)
    return user


@pytest.fixture
def urban_staff(units: Units) -> User:
    """钱军, staff of 区城管局."""
    return staff_of(units.urban, "qian-jun", "钱军")


@pytest.fixture
def water_staff(units: Units) -> User:
    """冯芳, staff of 区水务局."""
    return staff_of(units.water, "feng-fang", "冯芳")


def case_type(code: str = "complaint") -> CaseType:
    return categories.type_by_code(code)


def subject(code: str = "city-garbage") -> Subject:
    return categories.subject_by_code(code)


def submission(**overrides: Any) -> intake.Submitted:
    """A citizen's web case at 文苑第一网格 unless told otherwise, and its token."""
    fields: dict[str, Any] = {
        "channel": "WEB",
        "type": case_type(),
        "subject": subject(),
        "description": "小区门口垃圾三天没有清运",
        "lon": WENYUAN_POINT[0],
        "lat": WENYUAN_POINT[1],
        "address": "文苑路 1 号",
        "reporter_name": "王先生",
        "reporter_phone": "13912345678",
    }
    fields.update(overrides)
    return intake.submit_case(**fields)


def submit(**overrides: Any) -> Case:
    """The case of a `submission`."""
    return submission(**overrides).case


@pytest.fixture
def submit_case(grids: Grids, units: Units) -> Callable[..., Case]:
    return submit
