"""Reads of consent projects, scoped: the street and community officials (接诉即办's
dispatchers, who run the community's affairs) over their divisions; a project outside the
scope answers 404. The owners' full names and phones only through `reveal_owner`, audited."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from jiceng.accounts.models import User
from jiceng.accounts.permissions import Permission
from jiceng.accounts.scoping import Reach, scope_of
from jiceng.core import audit, crypto
from jiceng.core.errors import NotFound, not_found
from jiceng.divisions.models import Division

from . import rules
from .models import (
    ConsentAnswer,
    ConsentHousehold,
    ConsentOwner,
    ConsentProject,
    ConsentRound,
    ConsentRule,
)

NAME_FIELD, PHONE_FIELD, CODE_FIELD = "consent_owner_name", "consent_owner_phone", "consent_code"
# Who runs a community's consent rounds: those who dispatch its cases (街道、社区).
RUNS = Permission.DISPATCH_CASES


def _reach(user: User | AnonymousUser) -> Reach:
    return scope_of(user).reach(RUNS)


def projects_for(user: User | AnonymousUser) -> QuerySet[ConsentProject]:
    return ConsentProject.objects.filter(_reach(user).division_q("community_id"))


def access_project(user: User | AnonymousUser, pk: int) -> ConsentProject:
    found = projects_for(user).filter(pk=pk).first()
    if found is None:
        raise not_found("意见征询事项")
    return found


def access_round(user: User | AnonymousUser, pk: int) -> ConsentRound:
    found = (
        ConsentRound.objects.filter(pk=pk, project__in=projects_for(user))
        .select_related("project")
        .first()
    )
    if found is None:
        raise not_found("征询轮次")
    return found


def communities_for(user: User | AnonymousUser) -> QuerySet[Division]:
    """The communities (level 5) where the user may register a project."""
    return Division.objects.filter(_reach(user).division_q("code"), level=5).order_by("code")


def rule_for(community_id: str) -> rules.Rule:
    """The rule of the deepest division above the community that has its own, else the Civil
    Code's."""
    prefixes = [community_id[:n].ljust(12, "0") for n in (2, 4, 6, 9, 12)]
    found = ConsentRule.objects.filter(division_id__in=prefixes).order_by("-division_id").first()
    if found is None:
        return rules.CIVIL_CODE
    return rules.Rule(
        name=found.name,
        participation_area=rules.parse_fraction(found.participation_area),
        participation_owners=rules.parse_fraction(found.participation_owners),
        agreement_area=rules.parse_fraction(found.agreement_area),
        agreement_owners=rules.parse_fraction(found.agreement_owners),
        occupied_must_agree=found.occupied_must_agree,
    )


def rule_of(round_: ConsentRound) -> rules.Rule:
    """The rule the round opened under (copied then: a later change of the city's rule does
    not move a running count)."""
    return rules.Rule(
        name=round_.rule_name,
        participation_area=rules.parse_fraction(round_.participation_area),
        participation_owners=rules.parse_fraction(round_.participation_owners),
        agreement_area=rules.parse_fraction(round_.agreement_area),
        agreement_owners=rules.parse_fraction(round_.agreement_owners),
        occupied_must_agree=round_.occupied_must_agree,
    )


def units_of(project_id: int) -> list[rules.Unit]:
    return [
        rules.Unit(owner, area, occupied)
        for owner, area, occupied in ConsentHousehold.objects.filter(
            project_id=project_id
        ).values_list("owner_id", "area", "is_occupied")
    ]


def count_of(round_: ConsentRound) -> rules.Tally:
    """The count as it stands (two queries)."""
    answers = dict(ConsentAnswer.objects.filter(round=round_).values_list("owner_id", "choice"))
    return rules.tally(units_of(round_.project_id), answers, rule_of(round_))


def open_round(project: ConsentProject) -> ConsentRound | None:
    return project.rounds.filter(frozen_at__isnull=True).first()


@dataclass(frozen=True)
class OwnerRow:
    owner: ConsentOwner
    rooms: list[str]
    area: Decimal
    is_occupied: bool
    answer: ConsentAnswer | None
    code_sent: bool


def owner_rows(project: ConsentProject, round_: ConsentRound | None) -> list[OwnerRow]:
    """Each owner with their units, area and (in `round_`) answer: three queries."""
    households = list(project.households.all())
    answers = {a.owner_id: a for a in round_.answers.select_related("entered_by")} if round_ else {}
    sent = set(round_.codes.values_list("owner_id", flat=True)) if round_ else set()
    rows = []
    for owner in project.owners.all().order_by("pk"):
        mine = [h for h in households if h.owner_id == owner.pk]
        rows.append(
            OwnerRow(
                owner=owner,
                rooms=[h.room for h in mine],
                area=sum((h.area for h in mine), Decimal(0)),
                is_occupied=any(h.is_occupied for h in mine),
                answer=answers.get(owner.pk),
                code_sent=owner.pk in sent,
            )
        )
    return rows


def round_by_key(public_key: str) -> ConsentRound:
    found = ConsentRound.objects.filter(public_key=public_key).select_related("project").first()
    if found is None:
        raise NotFound("没有这项意见征询，请核对短信中的链接")
    return found


@dataclass(frozen=True)
class Revealed:
    name: str
    phone: str


def reveal_owner(user: User, owner_pk: int) -> tuple[ConsentOwner, Revealed]:
    """An owner's full name and phone, for those who run the project's rounds; each look is
    an audit record naming the owner's row, never the values."""
    owner = ConsentOwner.objects.filter(pk=owner_pk, project__in=projects_for(user)).first()
    if owner is None:
        raise not_found("业主")
    revealed = Revealed(
        name=crypto.unseal(owner.name_sealed, field=NAME_FIELD),
        phone=crypto.unseal(owner.phone_sealed, field=PHONE_FIELD) if owner.phone_sealed else "",
    )
    audit.record(
        audit.AuditEvent.SENSITIVE_VIEW, action="consent.reveal_owner", target=owner, user=user
    )
    return owner, revealed
