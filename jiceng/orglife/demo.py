"""Demo rows of organizational life for 栖霞区 (jiceng load-demo): a year of meetings for the
district's branches and the compliance of each month. Idempotent: branches that already have
meetings are left alone, and the rollups are rebuilt from the rows."""

from __future__ import annotations

from jiceng.core import clock
from jiceng.orgs.models import Organization, OrgKind

from . import compliance, rules
from .seeding import OrglifeSeedResult, seed_orglife

DEMO_DIVISION = "320113000000"


def load_demo_orglife() -> OrglifeSeedResult:
    district = Organization.objects.filter(
        kind=OrgKind.LOCAL_COMMITTEE, division_id=DEMO_DIVISION
    ).first()
    if district is None:
        return OrglifeSeedResult()
    today = clock.today()
    result = seed_orglife(as_of=today, seed=320113, under=[district.path])
    current = rules.month_of(today)
    for back in range(12, -1, -1):
        compliance.rollup_month(rules.add_months(current, -back))
    return result
