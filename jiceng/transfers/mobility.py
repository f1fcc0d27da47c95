"""流动党员: registering a member away six months or more with an organization where they are
(流入地), started by the home branch and accepted (or declined) by the host; ended by either
side when the member comes back. The record stays at home; `Member.is_mobile` says so on the
roster while a registration is in force."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction

from jiceng.accounts.models import User
from jiceng.accounts.permissions import Permission
from jiceng.accounts.scoping import scope_of
from jiceng.core import audit, clock
from jiceng.core.errors import Conflict, Forbidden, InvalidInput
from jiceng.members.models import Member
from jiceng.orgs.models import Organization
from jiceng.orgs.services import check_can_write

from . import workflow
from .models import CURRENT_MOBILE_STATES, MobileRegistration, MobileState

CONFLICT = "该流动党员登记刚被他人办理（现为“{state}”），请刷新后查看"


def _text(value: str, *, field: str, label: str, required: bool, limit: int) -> str:
    value = " ".join(value.split())
    if required and not value:
        raise InvalidInput(f"请填写{label}", fields={field: f"请填写{label}"})
    if len(value) > limit:
        raise InvalidInput(f"{label}不能超过{limit}个字", fields={field: f"{label}过长"})
    return value


def manages(user: User | None, organization: Organization) -> bool:
    if user is None:
        return True
    return scope_of(user).allows(
        Permission.MANAGE_MEMBERS, path=organization.path, division_id=organization.division_id
    )


@transaction.atomic
def register_mobile(
    *,
    member: Member,
    host: Organization,
    starts_on: dt.date,
    ends_on: dt.date | None,
    place: str,
    contact: str = "",
    by: User | None,
) -> MobileRegistration:
    """流动党员登记: the home branch names where the member is and for how long."""
    current = Member.objects.select_related("organization").get(pk=member.pk)
    check_can_write(by, current.organization, Permission.MANAGE_MEMBERS)
    problem = workflow.member_problem(current.status)
    if problem:
        raise InvalidInput(
            problem.replace("组织关系转接", "流动党员登记"), fields={"member": problem}
        )
    host = Organization.objects.get(pk=host.pk)
    problem = workflow.receiving_problem(
        kind=host.kind,
        is_active=host.is_active,
        name=host.name,
        same=host.pk == current.organization_id,
    )
    if problem:
        problem = problem.replace("接收党组织", "流入地党组织").replace("接收党员", "接收流动党员")
        raise InvalidInput(problem, fields={"host": problem})
    problem = workflow.mobile_problem(
        starts_on=starts_on, ends_on=ends_on, joined_on=current.joined_on
    )
    if problem:
        raise InvalidInput(
            problem, fields={"ends_on" if "返回" in problem else "starts_on": problem}
        )
    if starts_on > clock.today() + dt.timedelta(days=366):
        raise InvalidInput("外出日期应在一年之内", fields={"starts_on": "外出日期应在一年之内"})
    place = _text(place, field="place", label="外出地点", required=True, limit=200)
    contact = _text(contact, field="contact", label="流入地联系人", required=False, limit=100)
    if MobileRegistration.objects.filter(member=current, state__in=CURRENT_MOBILE_STATES).exists():
        message = f"{current.name}已有流动党员登记，结束后才能重新登记"
        raise InvalidInput(message, fields={"member": message})
    try:
        with transaction.atomic():
            registration = MobileRegistration.objects.create(
                member=current,
                home=current.organization,
                host=host,
                state=MobileState.PENDING,
                starts_on=starts_on,
                ends_on=ends_on,
                place=place,
                contact=contact,
                started_by=by,
            )
    except IntegrityError:
        raise Conflict(f"{current.name}已有流动党员登记，请刷新后查看") from None
    audit.record(
        audit.AuditEvent.WRITE, action="transfers.register_mobile", target=registration, user=by
    )
    return registration


def _move(
    registration: MobileRegistration,
    *,
    source: frozenset[MobileState],
    target: MobileState,
    side: Organization,
    by: User | None,
    action: str,
    extra: dict[str, object] | None = None,
) -> MobileRegistration:
    if registration.state not in source:
        raise Conflict(CONFLICT.format(state=registration.get_state_display()))
    if not manages(by, side):
        raise Forbidden(f"此步骤由“{side.name}”办理")
    moved = MobileRegistration.objects.filter(pk=registration.pk, state=registration.state).update(
        state=target, **(extra or {})
    )
    if moved != 1:
        state = MobileRegistration.objects.get(pk=registration.pk).get_state_display()
        raise Conflict(CONFLICT.format(state=state))
    is_mobile = target == MobileState.ACTIVE
    Member.objects.filter(pk=registration.member_id).update(is_mobile=is_mobile)
    audit.record(audit.AuditEvent.WRITE, action=f"transfers.{action}", target=registration, user=by)
    return MobileRegistration.objects.select_related("member", "home", "host").get(
        pk=registration.pk
    )


@transaction.atomic
def accept_mobile(*, registration: MobileRegistration, by: User | None) -> MobileRegistration:
    """流入地接收: the host takes the member into its organizational life."""
    return _move(
        registration,
        source=frozenset({MobileState.PENDING}),
        target=MobileState.ACTIVE,
        side=registration.host,
        by=by,
        action="accept_mobile",
        extra={"accepted_by": by, "accepted_at": clock.now()},
    )


@transaction.atomic
def decline_mobile(
    *, registration: MobileRegistration, note: str, by: User | None
) -> MobileRegistration:
    """流入地未接收, with the reason (不得无故拒绝)."""
    note = _text(note, field="note", label="未接收的原因", required=True, limit=200)
    return _move(
        registration,
        source=frozenset({MobileState.PENDING}),
        target=MobileState.DECLINED,
        side=registration.host,
        by=by,
        action="decline_mobile",
        extra={"note": note},
    )


@transaction.atomic
def end_mobile(
    *, registration: MobileRegistration, on: dt.date | None = None, by: User | None
) -> MobileRegistration:
    """返回或迁离: ended by the home branch or the host."""
    on = on or clock.today()
    if on < registration.starts_on:
        message = f"结束日期不能早于外出日期（{registration.starts_on:%Y-%m-%d}）"
        raise InvalidInput(message, fields={"on": message})
    if on > clock.today():
        raise InvalidInput("结束日期不能晚于今天", fields={"on": "结束日期不能晚于今天"})
    side = registration.home if manages(by, registration.home) else registration.host
    if side == registration.host and registration.state == MobileState.PENDING:
        raise Forbidden("流入地尚未接收，请选择“不接收”并说明原因")
    return _move(
        registration,
        source=frozenset(CURRENT_MOBILE_STATES),
        target=MobileState.ENDED,
        side=side,
        by=by,
        action="end_mobile",
        extra={"ended_on": on},
    )


def hosted_member_ids(organization_id: int) -> list[int]:
    """The members registered with this organization as their host (its meetings expect them:
    orglife.scheduling.expected_members)."""
    return list(
        MobileRegistration.objects.filter(
            host_id=organization_id, state=MobileState.ACTIVE
        ).values_list("member_id", flat=True)
    )
