"""Writes of a rectification (整顿): a department confirms a detected organization, names the
responsible leader (包联) and optionally a first secretary with the plan and its measures;
progress is added month by month; the acceptance (销号) is refused while a reason holds,
the rules asked again at that moment."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction

from jiceng.accounts.models import User
from jiceng.core import audit, clock
from jiceng.core.errors import Conflict, InvalidInput, not_found
from jiceng.core.paths import under
from jiceng.members.models import Member, MemberStatus
from jiceng.orgs.models import Organization

from . import queries, rules
from .models import DetectionRule, Progress, Rectification, RuleKind, Status


def _check_manages(by: User, organization: Organization) -> None:
    if not queries.may_manage(by, organization):
        raise not_found("党组织")


@transaction.atomic
def confirm_rectification(*, organization: Organization, by: User) -> Rectification:
    """The department confirms a detected organization as weak (确定整顿对象)."""
    _check_manages(by, organization)
    reasons = queries.current_reasons(organization)
    if not reasons:
        raise InvalidInput(f"{organization.name}不在本月研判出的软弱涣散党组织名单中")
    try:
        with transaction.atomic():
            rectification = Rectification.objects.create(
                organization=organization,
                year=clock.today().year,
                status=Status.CONFIRMED,
                reasons="；".join(reasons),
                confirmed_by=by,
            )
    except IntegrityError:
        raise Conflict(f"{organization.name}已在整顿中") from None
    audit.record(
        audit.AuditEvent.WRITE, action="rectification.confirm", target=rectification, user=by
    )
    return rectification


@transaction.atomic
def set_plan(
    *,
    rectification: Rectification,
    by: User,
    leader: User | None,
    first_secretary: Member | None,
    plan: str,
    measures: str,
    due_on: dt.date | None,
) -> Rectification:
    """The responsible leader, the first secretary where one is sent, the plan and measures."""
    organization = rectification.organization
    _check_manages(by, organization)
    errors: dict[str, str] = {}
    if leader is None:
        errors["leader"] = "请选择包联领导"
    elif not queries.leaders_for(organization).filter(pk=leader.pk).exists():
        errors["leader"] = "包联领导应为本组织或上级组织部门的账号"
    if first_secretary is not None and first_secretary.status != MemberStatus.FULL:
        errors["first_secretary"] = "第一书记应为正式党员"
    if not plan.strip():
        errors["plan"] = "请填写整顿方案"
    if not measures.strip():
        errors["measures"] = "请填写整改措施"
    if due_on is not None and due_on < clock.today():
        errors["due_on"] = "计划完成日期不能早于今天"
    if errors:
        raise InvalidInput("整顿方案未保存：" + "；".join(errors.values()), fields=errors)
    moved = Rectification.objects.filter(
        pk=rectification.pk, status__in=[Status.CONFIRMED, Status.RECTIFYING]
    ).update(
        status=Status.RECTIFYING,
        responsible_leader=leader,
        first_secretary=first_secretary,
        plan=plan.strip(),
        measures=measures.strip(),
        due_on=due_on,
    )
    if moved != 1:
        raise Conflict("该整顿已销号，不能再修改方案")
    audit.record(audit.AuditEvent.WRITE, action="rectification.plan", target=rectification, user=by)
    return Rectification.objects.get(pk=rectification.pk)


@transaction.atomic
def record_progress(*, rectification: Rectification, by: User, text: str) -> Progress:
    """A month's progress (整顿进展)."""
    if not queries.may_record_progress(by, rectification):
        raise not_found("整顿")
    if rectification.status != Status.RECTIFYING:
        raise InvalidInput("请先制定整顿方案，再记录进展")
    if not text.strip():
        raise InvalidInput("请填写进展情况", fields={"text": "请填写进展情况"})
    entry = Progress.objects.create(
        rectification=rectification,
        month=rules.month_of(clock.today()),
        text=text.strip(),
        recorded_by=by,
    )
    audit.record(
        audit.AuditEvent.WRITE, action="rectification.progress", target=rectification, user=by
    )
    return entry


@transaction.atomic
def accept_rectification(*, rectification: Rectification, by: User) -> Rectification:
    """The acceptance (销号): refused while any reason holds, asked of the records now."""
    organization = rectification.organization
    _check_manages(by, organization)
    if rectification.status != Status.RECTIFYING:
        raise InvalidInput("请先制定整顿方案并开展整顿，再申请销号")
    holding = queries.reasons_now(organization)
    if holding:
        raise InvalidInput("不能销号：以下问题仍然存在——" + "；".join(holding))
    moved = Rectification.objects.filter(pk=rectification.pk, status=Status.RECTIFYING).update(
        status=Status.ACCEPTED, accepted_by=by, accepted_at=clock.now()
    )
    if moved != 1:
        raise Conflict("该整顿已销号")
    audit.record(
        audit.AuditEvent.WRITE, action="rectification.accept", target=rectification, user=by
    )
    return Rectification.objects.get(pk=rectification.pk)


def name_first_secretary(*, organization: Organization, member: Member) -> int:
    """A first secretary sent to a village organization is named on the open rectifications
    of that organization and of the branches under it (villages.services.dispatch_cadre):
    the first secretary serves the whole village. Returns how many were named."""
    return (
        Rectification.objects.filter(under(organization.path, "organization__path"))
        .exclude(status=Status.ACCEPTED)
        .update(first_secretary=member)
    )


# The rule's months and threshold: what a department may set (months: how long; threshold:
# a percentage).
MONTHS_MAX = 120


@transaction.atomic
def set_detection_rule(
    *,
    organization: Organization,
    kind: str,
    is_enabled: bool,
    months: int,
    threshold: int,
    reason: str,
    by: User,
) -> DetectionRule:
    """A department's parameters of one detection rule for its subtree (the deepest row above
    an organization wins at the next monthly detection). An empty reason keeps the national
    wording; a reason may name {months} and {threshold}."""
    _check_manages(by, organization)
    errors: dict[str, str] = {}
    if kind not in RuleKind.values:
        errors["kind"] = "研判规则不正确"
    if not 0 <= months <= MONTHS_MAX:
        errors["months"] = f"月数应在0到{MONTHS_MAX}之间"
    if not 0 <= threshold <= 100:
        errors["threshold"] = "比例应在0到100之间"
    reason = reason.strip()
    if not reason and kind in RuleKind.values:
        reason = rules.DEFAULTS[RuleKind(kind)].reason
    if len(reason) > 200:
        errors["reason"] = "原因表述不能超过200字"
    else:
        try:
            reason.format(months=months, threshold=threshold)
        except (KeyError, IndexError, ValueError):
            errors["reason"] = "原因表述中只能用{months}（月数）和{threshold}（比例）两个占位符"
    if errors:
        raise InvalidInput(next(iter(errors.values())), fields=errors)
    rule, _ = DetectionRule.objects.update_or_create(
        organization=organization,
        kind=kind,
        defaults={
            "is_enabled": is_enabled,
            "months": months,
            "threshold": threshold,
            "reason": reason,
        },
    )
    audit.record(
        audit.AuditEvent.WRITE,
        action="rectification.set_rule",
        target=rule,
        user=by,
        detail={"kind": kind, "enabled": is_enabled, "months": months, "threshold": threshold},
    )
    return rule
