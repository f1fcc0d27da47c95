"""Reads of the federation: on the national instance, the published tables (each province's
totals and its tree's top levels; a province's totals are its top organization's rollups,
depth 0, so they are read from one row a province and never summed over a subtree twice); on
a province instance, the arrivals from other provinces (scoped to the receiving organization)
and the other provinces' published organizations a transfer may be addressed to."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Max, QuerySet

from jiceng.accounts.models import User
from jiceng.accounts.permissions import Permission, has_permission
from jiceng.accounts.scoping import scope_of
from jiceng.core import audit, masking
from jiceng.core.errors import not_found
from jiceng.development import carrying
from jiceng.development.models import Step
from jiceng.divisions.models import Division
from jiceng.members.models import Category, Education, Gender, MemberStatus
from jiceng.orgs.models import BRANCH_KINDS, GRASSROOTS_KINDS, Organization

from . import exchange, keys
from .models import (
    InboxMessage,
    IncomingState,
    IncomingTransfer,
    MessageKind,
    OutboxMessage,
    PublishedCompliance,
    PublishedOrganization,
    RemoteTransfer,
)

PERMISSION = Permission.VIEW_ORGANIZATIONS


@dataclass(frozen=True)
class ProvinceFigures:
    province_code: str
    name: str
    local_id: int
    members: int
    branches: int
    organizations: int
    month: int | None
    compliance_branches: int
    compliant: int

    @property
    def compliance_rate(self) -> float | None:
        if not self.compliance_branches:
            return None
        return round(100 * self.compliant / self.compliance_branches, 1)


def province_figures() -> list[ProvinceFigures]:
    """One line per province instance whose rows have arrived, by division code."""
    tops = list(PublishedOrganization.objects.filter(depth=0).order_by("province_code", "path"))
    month = PublishedCompliance.objects.filter(depth=0).aggregate(m=Max("month"))["m"]
    compliance = {
        (c.province_code, c.local_id): c
        for c in PublishedCompliance.objects.filter(depth=0, month=month or 0)
    }
    lines = []
    for top in tops:
        c = compliance.get((top.province_code, top.local_id))
        lines.append(
            ProvinceFigures(
                province_code=top.province_code,
                name=top.name,
                local_id=top.local_id,
                members=top.subtree_member_count,
                branches=top.subtree_branch_count,
                organizations=top.subtree_org_count,
                month=month,
                compliance_branches=c.branches if c else 0,
                compliant=c.compliant if c else 0,
            )
        )
    return lines


def children(*, province_code: str, local_id: int) -> list[PublishedOrganization]:
    """The organizations right under one published organization, in tree order."""
    return list(
        PublishedOrganization.objects.filter(
            province_code=province_code, parent_local_id=local_id
        ).order_by("path")
    )


def organization(*, province_code: str, local_id: int) -> PublishedOrganization | None:
    return PublishedOrganization.objects.filter(
        province_code=province_code, local_id=local_id
    ).first()


def sees_nation(user: User | AnonymousUser) -> bool:
    """The provinces' figures are for those who see the whole national tree here: the
    organization department of the national instance (VIEW_ORGANIZATIONS at its root)."""
    if not user.is_authenticated:
        return False
    root = Organization.objects.filter(depth=1).order_by("path").first()
    if root is None:
        return False
    return scope_of(user).allows(PERMISSION, path=root.path, division_id=root.division_id)


# -- 交换异常 (federation.retries) ---------------------------------------------------------------


def runs_exchange(user: User | AnonymousUser) -> bool:
    """The exchange's failures are for those who run this instance: its system administrator
    (MANAGE_SETTINGS), and the organization department at the root of its tree (the one who
    sees the federation's figures, `sees_nation`); only where this instance exchanges with
    others. The page shows no personal data: the payloads stay sealed."""
    if not keys.is_configured() or not user.is_authenticated:
        return False
    if has_permission(user, Permission.MANAGE_SETTINGS):
        return True
    return has_permission(user, PERMISSION) and sees_nation(user)


def _failing_outbox() -> QuerySet[OutboxMessage]:
    """发件 that failed at least once and wait for their next attempt."""
    return OutboxMessage.objects.filter(delivered_at__isnull=True).exclude(last_error="")


def _failed_inbox() -> QuerySet[InboxMessage]:
    """收件 that could not be acted on and are kept with their reason."""
    return InboxMessage.objects.filter(processed_at__isnull=True).exclude(error="")


def undelivered(*, limit: int) -> list[OutboxMessage]:
    """The failing 发件, the oldest first."""
    return list(_failing_outbox().defer("body").order_by("created_at", "pk")[:limit])


def unprocessed(*, limit: int) -> list[InboxMessage]:
    """The failed 收件, the latest first."""
    return list(_failed_inbox().defer("body").order_by("-received_at", "-pk")[:limit])


def exchange_problem_counts() -> tuple[int, int]:
    """(发件 failing, 收件 failed), however many."""
    return _failing_outbox().count(), _failed_inbox().count()


# -- 跨省转入 (federation.arrivals) ------------------------------------------------------------


def instance_names(codes: set[str]) -> dict[str, str]:
    """An instance's name as people say it (浙江省), from the divisions; its code if unknown."""
    found = dict(Division.objects.filter(code__in=codes).values_list("code", "name"))
    return {code: found.get(code, code) for code in codes}


def with_sender_names(arrivals: list[IncomingTransfer]) -> list[IncomingTransfer]:
    """Each arrival with `sender_name` set, one read for the list."""
    names = instance_names({a.sender for a in arrivals})
    for arrival in arrivals:
        arrival.sender_name = names[arrival.sender]  # type: ignore[attr-defined]
    return arrivals


def incoming_for(user: User) -> QuerySet[IncomingTransfer]:
    """The arrivals from other provinces the user sees: those addressed to organizations
    whose members they see (the receiving branch, the committees above it)."""
    q = scope_of(user).organization_q(Permission.VIEW_MEMBERS, prefix="to_organization__")
    return (
        IncomingTransfer.objects.filter(q)
        .select_related("to_organization")
        .order_by("-arrived_at", "-pk")
    )


def incoming_waiting_for(user: User) -> QuerySet[IncomingTransfer]:
    """The arrivals waiting for the user's answer (MANAGE_MEMBERS at the receiving one)."""
    q = scope_of(user).organization_q(Permission.MANAGE_MEMBERS, prefix="to_organization__")
    return (
        IncomingTransfer.objects.filter(q, state=IncomingState.PENDING)
        .select_related("to_organization")
        .order_by("arrived_at", "pk")
    )


def access_incoming(user: User, pk: int) -> IncomingTransfer:
    found = incoming_for(user).filter(pk=pk).select_related("message", "member").first()
    if found is None:
        raise not_found("跨省转入")
    return found


@dataclass(frozen=True)
class IncomingRecord:
    """The member's record as the sender sent it, masked as every page masks it
    (core.masking): the full numbers only through `reveal`."""

    gender: str
    ethnicity: str
    birth_year: int
    id_number: str
    phone: str
    education: str
    category: str
    status: str
    joined_on: str
    full_member_on: str
    reason: str
    leaves_on: str
    dues_paid_to: str
    # 随转发展档案 (a probationary member's): its main dates, or why it cannot be imported
    development: IncomingFile | None = None
    development_problem: str = ""


@dataclass(frozen=True)
class IncomingFile:
    """A development file that came with the member, as the arrival's page shows it: dates
    beside the birth year as the member's are, introducers' names masked but in a full look."""

    organization: str
    applied_on: str
    activist_on: str
    candidate_on: str
    admitted_on: str
    approved_on: str
    probation_ends_on: str
    extended_months: int
    introducers: str
    last_step: str
    steps: int


def _label(choices: Any, value: object) -> str:
    return str(dict(choices.choices).get(value, value or "—"))


def incoming_record(incoming: IncomingTransfer, *, full: bool = False) -> IncomingRecord:
    """The sealed record opened for the page; `full` leaves the ID and phone numbers whole
    (the caller has checked the permission and audits the look)."""
    payload = exchange.payload_of(incoming.message)
    member = payload["member"]
    id_number = str(member.get("id_number") or "")
    phone = str(member.get("phone") or "")
    birth = member.get("birth_date")
    year = dt.date.fromisoformat(birth).year if birth else int(id_number[6:10] or 0)

    def shown(value: object) -> str:
        if not value:
            return "—"
        day = dt.date.fromisoformat(str(value))
        return day.isoformat() if full else masking.date_beside_birth_year(day, birth_year=year)

    carried, problem = carrying.file_in(payload.get("development"), status=member.get("status"))
    development = None
    if carried is not None:

        def on(step: Step) -> str:
            return shown(carried.date_of(step))

        names = carried.introducers.split("、") if carried.introducers else []
        development = IncomingFile(
            organization=carried.organization or "—",
            applied_on=shown(carried.applied_on),
            activist_on=on(Step.ACTIVIST),
            candidate_on=on(Step.CANDIDATE),
            admitted_on=on(Step.ADMISSION_MEETING),
            approved_on=on(Step.ADMISSION_APPROVAL),
            probation_ends_on=shown(carried.probation_ends_on),
            extended_months=carried.extended_months,
            introducers="、".join(n if full else masking.mask_name(n) for n in names) or "—",
            last_step=str(carried.last_step.label),
            steps=len(carried.steps),
        )
    return IncomingRecord(
        gender=_label(Gender, member.get("gender")),
        ethnicity=str(member.get("ethnicity") or "—"),
        birth_year=year,
        id_number=id_number if full else masking.mask_id_number(id_number),
        phone=(phone if full else masking.mask_phone(phone)) if phone else "—",
        education=_label(Education, member.get("education")),
        category=_label(Category, member.get("category")),
        status=_label(MemberStatus, member.get("status")),
        joined_on=shown(member.get("joined_on")),
        full_member_on=shown(member.get("full_member_on")),
        reason=str(payload.get("reason") or "—"),
        leaves_on=str(payload.get("leaves_on") or "—"),
        dues_paid_to=str(payload.get("dues_paid_to") or "—"),
        development=development,
        development_problem=problem,
    )


def can_reveal_incoming(user: User, incoming: IncomingTransfer) -> bool:
    to = incoming.to_organization
    if to is None:
        return False
    return scope_of(user).allows(
        Permission.VIEW_PERSONAL_DATA, path=to.path, division_id=to.division_id
    )


def reveal_incoming(user: User, pk: int) -> tuple[IncomingTransfer, IncomingRecord]:
    """查看完整身份证号和手机号 of an arrival: where a role grants it at the receiving
    organization, each look an audit record (naming the arrival, never the numbers)."""
    incoming = access_incoming(user, pk)
    if not can_reveal_incoming(user, incoming):
        raise not_found("跨省转入")
    record = incoming_record(incoming, full=True)
    audit.record(
        audit.AuditEvent.SENSITIVE_VIEW,
        action="federation.reveal_incoming",
        target=incoming,
        user=user,
    )
    return incoming, record


# -- 发起跨省转接 (federation.crossing) ---------------------------------------------------------


def peer_provinces() -> list[tuple[str, str]]:
    """The instances this one exchanges with: (code, name of its division)."""
    names = instance_names(set(keys.peers()))
    return [(code, names[code] if names[code] != code else "") for code in sorted(names)]


def holds_tree_of(province: str) -> bool:
    return PublishedOrganization.objects.filter(province_code=province, depth=0).exists()


def published_receivers(
    province: str, text: str, *, limit: int = 20
) -> list[PublishedOrganization]:
    """Organizations of another province that can receive members, found by name in its
    published tree (names and counts only, never members)."""
    text = " ".join(text.split())
    if len(text) < 2:
        return []
    return list(
        PublishedOrganization.objects.filter(
            province_code=province,
            name__contains=text,
            kind__in=sorted(GRASSROOTS_KINDS | BRANCH_KINDS),
            dissolved_on__isnull=True,
        ).order_by("path")[:limit]
    )


def published_receiver(province: str, local_id: int) -> list[PublishedOrganization]:
    return list(PublishedOrganization.objects.filter(province_code=province, local_id=local_id))


@dataclass(frozen=True)
class Crossing:
    """A transfer to another province as its sender's page shows it: where to, and whether
    the member's record has reached that instance yet."""

    province_code: str
    province_name: str
    local_id: int
    name: str
    sent: bool  # queued (the letter issued)
    delivered_at: dt.datetime | None
    attempts: int


def crossing_of(transfer_id: int) -> Crossing | None:
    remote = RemoteTransfer.objects.filter(transfer_id=transfer_id).first()
    if remote is None:
        return None
    message = (
        OutboxMessage.objects.filter(transfer_id=transfer_id, kind=MessageKind.TRANSFER)
        .order_by("-created_at", "-pk")
        .first()
    )
    return Crossing(
        province_code=remote.province_code,
        province_name=instance_names({remote.province_code})[remote.province_code],
        local_id=remote.local_id,
        name=remote.name,
        sent=message is not None,
        delivered_at=message.delivered_at if message else None,
        attempts=message.attempts if message else 0,
    )
