"""Heart-to-heart talks (谈心谈话): recording one, which brings the month's compliance up to
date."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from jiceng.accounts.models import User
from jiceng.core import audit, clock
from jiceng.core.errors import InvalidInput
from jiceng.members.models import Member
from jiceng.orgs.models import Organization

from . import compliance, rules
from .checks import check_can_manage
from .models import HeartToHeartTalk


@transaction.atomic
def record_talk(
    *, organization: Organization, member: Member, talked_on: dt.date, summary: str, by: User | None
) -> HeartToHeartTalk:
    """谈心谈话."""
    check_can_manage(by, organization)
    if member.organization_id != organization.pk:
        raise InvalidInput("该党员不属于本党组织", fields={"member_id": "不属于本党组织"})
    if talked_on > clock.today():
        raise InvalidInput("谈话日期不能晚于今天", fields={"talked_on": "日期不正确"})
    talk = HeartToHeartTalk.objects.create(
        organization=organization,
        member=member,
        talked_on=talked_on,
        year=talked_on.year,
        summary=summary.strip()[:5000],
        recorded_by=by,
    )
    compliance.refresh_branch(organization=organization, month=rules.month_of(talked_on))
    audit.record(audit.AuditEvent.WRITE, action="orglife.record_talk", target=talk, user=by)
    return talk
