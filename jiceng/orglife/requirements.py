"""Meeting requirements: how often each kind must be held (MeetingRule), set by an
organization department for its subtree."""

from __future__ import annotations

from django.db import transaction

from jiceng.accounts.models import User
from jiceng.accounts.permissions import Permission
from jiceng.accounts.scoping import scope_of
from jiceng.core import audit
from jiceng.core.errors import InvalidInput, not_found
from jiceng.orgs.models import Organization

from .models import MeetingKind, MeetingRule, Period


@transaction.atomic
def set_meeting_rule(
    *,
    organization: Organization | None,
    kind: str,
    period: str,
    times_per_period: int,
    fixed_day: int | None = None,
    by: User | None,
) -> MeetingRule:
    """An organization department sets the requirement for its subtree (None: national)."""
    if by is not None:
        allowed = organization is not None and scope_of(by).allows(
            Permission.MANAGE_MEETING_RULES,
            path=organization.path,
            division_id=organization.division_id,
        )
        if not allowed:
            raise not_found("党组织")
    errors = {}
    if kind not in MeetingKind.values:
        errors["kind"] = "会议类型不正确"
    if period not in Period.values:
        errors["period"] = "周期应为每月、每季度或每年"
    if not 1 <= times_per_period <= 31:
        errors["times_per_period"] = "每周期次数应在1到31之间"
    if fixed_day is not None and not 1 <= fixed_day <= 28:
        errors["fixed_day"] = "固定日应在1到28日之间"
    if errors:
        raise InvalidInput("会议要求有误：" + "；".join(errors.values()), fields=errors)
    rule, _ = MeetingRule.objects.update_or_create(
        organization=organization,
        kind=kind,
        defaults={"period": period, "times_per_period": times_per_period, "fixed_day": fixed_day},
    )
    audit.record(
        audit.AuditEvent.WRITE,
        action="orglife.set_meeting_rule",
        target=rule,
        user=by,
        detail={"kind": kind, "period": period, "times": times_per_period},
    )
    return rule
