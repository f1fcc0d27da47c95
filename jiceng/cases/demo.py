"""Demo rows of 接诉即办 for 栖霞区 (320113): the stations of every street, the district's
departments, and three logins to try the whistle with (fixed passwords: this is a demo, and
they are printed). The categories come from the data migration. Running it again adds only
what is missing."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from jiceng.accounts.demo import DemoLogin, demo_user
from jiceng.accounts.models import Role, RoleAssignment
from jiceng.accounts.services import assign_role
from jiceng.core import audit
from jiceng.core.paths import under
from jiceng.divisions.models import Division, Level

from . import units
from .models import Department, DepartmentStaff, Station

DISTRICT = "320113"
STREET = "仙林街道"

STATIONS = (
    ("城管中队", "城管"),
    ("派出所", "公安"),
    ("市场监管所", "市场监管"),
    ("园林所", "园林"),
)
DEPARTMENTS = (
    ("栖霞区城市管理局", "城管"),
    ("栖霞区水务局", "水务"),
    ("栖霞区住房和城乡建设局", "住建"),
    ("栖霞区交通运输局", "交通"),
    ("栖霞区生态环境局", "生态环境"),
    ("栖霞区民政局", "民政"),
    ("栖霞区人力资源和社会保障局", "人社"),
    ("栖霞区自然资源和规划分局", "自然资源"),
    ("栖霞供电中心", "供电"),
    ("栖霞燃气服务中心", "燃气"),
)
# username, password, display name, and the department (None: the street official).
ACCOUNTS = (
    ("xianlin-jiedao", "Willow#Gate4821", "仙林街道办", None),
    ("chengguan-demo", "Harbor#Stone7305", "区城管局值班员", "栖霞区城市管理局"),
    ("shuiwu-demo", "Meadow#Bell2964", "区水务局值班员", "栖霞区水务局"),
)


@dataclass(frozen=True)
class CaseDemo:
    stations: int  # created now
    departments: int  # created now
    logins: list[DemoLogin]


@transaction.atomic
def load_demo_cases() -> CaseDemo:
    """Stations for every street of the district, its departments, and the demo logins."""
    district = Division.objects.filter(code=DISTRICT.ljust(12, "0")).first()
    if district is None:
        return CaseDemo(0, 0, [])
    streets = list(
        Division.objects.filter(code__startswith=DISTRICT, level=Level.TOWNSHIP).order_by("code")
    )
    have_stations = set(
        Station.objects.filter(under(DISTRICT, "street_id")).values_list("street_id", "name")
    )
    new_stations = [
        Station(street=street, name=f"{street.name}{name}", function=function)
        for street in streets
        for name, function in STATIONS
        if (street.code, f"{street.name}{name}") not in have_stations
    ]
    Station.objects.bulk_create(new_stations)
    have_departments = set(
        Department.objects.filter(district=district).values_list("name", flat=True)
    )
    new_departments = [
        Department(district=district, name=name, function=function)
        for name, function in DEPARTMENTS
        if name not in have_departments
    ]
    Department.objects.bulk_create(new_departments)
    if new_stations or new_departments:
        audit.record(
            audit.AuditEvent.WRITE,
            action="cases.load_demo",
            target_type="cases.Station",
            detail={"stations": len(new_stations), "departments": len(new_departments)},
        )
    return CaseDemo(len(new_stations), len(new_departments), _accounts(district, streets))


def _accounts(district: Division, streets: list[Division]) -> list[DemoLogin]:
    street = next((s for s in streets if s.name == STREET), None)
    logins = []
    for username, password, display_name, department_name in ACCOUNTS:
        user = demo_user(username, password, display_name)
        if department_name is None:
            if street is None:
                continue
            if not RoleAssignment.objects.filter(user=user, role=Role.STREET_OFFICIAL).exists():
                assign_role(user=user, role=Role.STREET_OFFICIAL, division=street, by=None)
            logins.append(
                DemoLogin(username, password, Role.STREET_OFFICIAL.label, street.name, display_name)
            )
            continue
        department = Department.objects.get(district=district, name=department_name)
        if not DepartmentStaff.objects.filter(user=user, department=department).exists():
            units.add_department_staff(user=user, department=department, by=None)
        logins.append(
            DemoLogin(
                username, password, Role.DEPARTMENT_STAFF.label, department.name, display_name
            )
        )
    return logins
