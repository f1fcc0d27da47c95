"""load_demo_cases: stations and departments for the demo district, idempotent."""

from __future__ import annotations

from typing import Any

from django.test import Client

from jiceng.cases.demo import load_demo_cases
from jiceng.cases.models import Department, DepartmentStaff, Station
from jiceng.divisions.models import Division


def test_the_demo_units_and_logins_load_once(grid_divisions: dict[str, Division]) -> None:
    first = load_demo_cases()
    assert first.stations == 2 * 4 and first.departments == 10
    again = load_demo_cases()
    assert (again.stations, again.departments) == (0, 0)
    assert Station.objects.count() == 8 and Department.objects.count() == 10
    assert [login.username for login in again.logins] == [
        "xianlin-jiedao",
        "chengguan-demo",
        "shuiwu-demo",
    ]
    assert DepartmentStaff.objects.count() == 2
    client = Client()
    login: Any = again.logins[1]
    assert client.login(username=login.username, password=login.password)
    assert client.get("/cases/department/").status_code == 200
