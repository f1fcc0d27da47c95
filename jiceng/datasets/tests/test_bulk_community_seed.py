"""The scale seed writes cooperatives and consent projects in bulk, around the services: the
rows it writes must be the rows the services would have written. Checked on two real counties
(西盟, towns and 乡; 栖霞, streets) against the services' own rules and counts: the 20% share
rule, a year's surplus, the weak-village rows as `track_village` rebuilds them, every frozen
round recounted by `queries.count_of`, owners found by the services' blind index, and the
services still answering the seeded rounds."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from django.db import transaction

from jiceng.consent import queries as consent_queries
from jiceng.consent import rules
from jiceng.consent import services as consent_services
from jiceng.consent.models import (
    ConsentAnswer,
    ConsentHousehold,
    ConsentOwner,
    ConsentProject,
    ConsentRound,
    ConsentRule,
    ProjectKind,
)
from jiceng.cooperatives import services as cooperative_services
from jiceng.cooperatives.demo import load_demo_cooperatives
from jiceng.cooperatives.models import (
    Cooperative,
    CooperativeMember,
    CooperativeYear,
    VillageIncome,
    WeakLine,
    WeakVillage,
)
from jiceng.core import clock, crypto, masking
from jiceng.core.errors import Conflict
from jiceng.datasets import community, seeding
from jiceng.datasets import consent as consent_seed
from jiceng.divisions.kinds import TownshipKind, is_residents_committee, township_kind
from jiceng.orgs.models import Organization

from .conftest import AS_OF, QIXIA, XIMENG

pytestmark = pytest.mark.usefixtures("divisions")


def weak_rows() -> set[tuple[int, str, int, int | None]]:
    return set(WeakVillage.objects.values_list("village_id", "path", "first_year", "cleared_year"))


def test_bulk_cooperatives_keep_the_services_rules() -> None:
    seeding.seed(counties=[XIMENG], seed=5, workers=0, as_of=AS_OF)
    # 云南's own line, higher than the settings': more villages under it, and line_for is used
    WeakLine.objects.create(
        division_id="530000000000", total_below=Decimal(100_000), operating_below=Decimal(30_000)
    )
    villages, made, _ = community.seed_cooperatives(seed=5)
    assert villages > 20 and made > 5
    last = clock.today().year - 1
    for village_id in VillageIncome.objects.values_list("village_id", flat=True).distinct():
        incomes = list(
            VillageIncome.objects.filter(village_id=village_id)
            .order_by("year")
            .values_list("year", "total", "operating")
        )
        assert [y for y, _, _ in incomes] == list(range(last - 3, last + 1))
        assert all(operating <= total for _, total, operating in incomes)

    seeded = weak_rows()
    assert any(cleared is None for *_, cleared in seeded)  # still weak
    assert any(cleared is not None for *_, cleared in seeded)  # rose above the line
    for village in Organization.objects.filter(pk__in=VillageIncome.objects.values("village_id")):
        cooperative_services.track_village(village)
    assert weak_rows() == seeded

    for cooperative in Cooperative.objects.all():
        held = Fraction(cooperative.collective_shares)
        members = list(CooperativeMember.objects.filter(cooperative=cooperative).order_by("pk"))
        assert 8 <= len(members) <= 20
        for member in members:  # each household as it joined, under a fifth of all shares
            held += Fraction(member.shares)
            assert member.shares > 0 and member.land_mu + member.cash + member.labour_days > 0
            assert Fraction(member.shares) / held <= cooperative_services.MAX_MEMBER_SHARE
            head = crypto.unseal(member.head_sealed, field=cooperative_services.HEAD_FIELD)
            assert masking.mask_name(head) == member.head_masked
        years = CooperativeYear.objects.filter(cooperative=cooperative)
        assert sorted(y.year for y in years) == list(
            range(cooperative.registered_on.year + 1, last + 1)
        )
        for year in years:
            assert year.reserve + year.collective_share + year.dividends_paid <= year.profit
        assert cooperative.village.sector == "VILLAGE"

    # the services take the seeded cooperatives as their own
    first = Cooperative.objects.order_by("pk").first()
    assert first is not None
    cooperative_services.add_member(
        cooperative=first,
        head="李建华",
        land_mu=Decimal(1),
        cash=Decimal(0),
        labour_days=Decimal(0),
        shares=Decimal(2),
        by=None,
    )
    with pytest.raises(Conflict):
        cooperative_services.record_year(
            cooperative=first,
            year=last,
            income=Decimal(1),
            profit=Decimal(1),
            reserve=Decimal(0),
            collective_share=Decimal(0),
            dividends_paid=Decimal(0),
            by=None,
        )


def cooperative_rows() -> dict[str, list[tuple[object, ...]]]:
    """What the seed wrote, without ids, sealed names and times."""
    return {
        "incomes": sorted(
            VillageIncome.objects.values_list("village_id", "year", "total", "operating")
        ),
        "weak": sorted(weak_rows()),
        "cooperatives": sorted(
            Cooperative.objects.values_list(
                "village_id", "name", "registered_on", "business", "collective_shares"
            )
        ),
        "members": sorted(
            CooperativeMember.objects.values_list(
                "cooperative__village_id", "head_masked", "land_mu", "cash", "labour_days", "shares"
            )
        ),
        "years": sorted(
            CooperativeYear.objects.values_list(
                "cooperative__village_id",
                "year",
                "income",
                "profit",
                "reserve",
                "collective_share",
                "dividends_paid",
            )
        ),
    }


def test_bulk_cooperatives_are_the_rows_the_services_write() -> None:
    """The bulk path draws as the demo's loader does: on one county, the same rows."""
    seeding.seed(counties=[XIMENG], seed=5, workers=0, as_of=AS_OF)
    (ximeng,) = community.counties()
    with transaction.atomic():
        community.seed_cooperatives(seed=5)
        bulk = cooperative_rows()
        transaction.set_rollback(True)
    assert not VillageIncome.objects.exists()
    load_demo_cooperatives(ximeng.path, seed=5 * 7919)  # the way the seed went before
    assert cooperative_rows() == bulk
    assert len(bulk["weak"]) > 0 and len(bulk["members"]) > 50


def test_bulk_consent_counts_as_the_services_count(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(consent_seed, "TOWN_SHARE", 1.0)  # every town: a renovation
    seeding.seed(counties=[XIMENG, QIXIA], seed=5, workers=0, as_of=AS_OF)
    ConsentRule.objects.create(
        division_id="320100000000",
        name="南京市既有住宅增设电梯规则",
        agreement_area="2/3",
        agreement_owners="2/3",
    )
    projects, _ = community.seed_consent(seed=5)
    assert projects == ConsentProject.objects.count() > 0
    now = clock.now()

    for project in ConsentProject.objects.all():
        code = project.community_id
        assert is_residents_committee(code)
        if project.kind == ProjectKind.LIFT:  # lifts in streets only
            assert township_kind(code) == TownshipKind.STREET
            assert code.startswith(QIXIA)
            occupied = ConsentHousehold.objects.filter(project=project, is_occupied=True)
            assert [h.room for h in occupied] == ["101"]
        else:  # a town's renovation, nothing occupied
            assert project.kind == ProjectKind.RENOVATION
            assert township_kind(code) == TownshipKind.TOWN
            assert not ConsentHousehold.objects.filter(project=project, is_occupied=True)
        assert ConsentRound.objects.filter(project=project, frozen_at__isnull=True).count() <= 1
    renovations = ConsentProject.objects.filter(kind=ProjectKind.RENOVATION)
    assert renovations.count() == 2  # 勐梭镇 and 勐卡镇 have residents' committees
    assert ConsentProject.objects.filter(kind=ProjectKind.LIFT).count() > 9
    assert not [p for p in ConsentProject.objects.all() if p.community_id.startswith("530829202")]

    for owner in ConsentOwner.objects.all():
        name = crypto.unseal(owner.name_sealed, field=consent_queries.NAME_FIELD)
        phone = (
            crypto.unseal(owner.phone_sealed, field=consent_queries.PHONE_FIELD)
            if owner.phone_sealed
            else ""
        )
        identity = crypto.blind_index(f"{name}|{phone}", field=consent_queries.NAME_FIELD)
        assert bytes(owner.identity_index) == identity
        assert owner.name_masked == masking.mask_name(name)
        assert owner.phone_masked == (masking.mask_phone(phone) if phone else "")

    frozen = ConsentRound.objects.filter(frozen_at__isnull=False)
    assert frozen.filter(is_met=True).exists() and frozen.filter(is_met=False).exists()
    for round_ in ConsentRound.objects.select_related("project"):
        expected = consent_queries.rule_for(round_.project.community_id)
        assert consent_queries.rule_of(round_) == expected
        answers = ConsentAnswer.objects.filter(round=round_)
        for answer in answers:
            assert round_.opened_at <= answer.answered_at < min(round_.deadline, now)
        if round_.is_frozen:
            count = consent_queries.count_of(round_)
            assert round_.frozen_at == round_.deadline <= now
            assert round_.result == rules.as_record(count)
            assert round_.is_met == count.is_met
            assert round_.result["participating_owners"] == answers.count()
        else:
            assert round_.deadline > now and round_.result == {} and round_.is_met is None
    assert ConsentRound.objects.filter(rule_name="南京市既有住宅增设电梯规则").exists()
    assert consent_services.freeze_due_rounds() == 0  # every round past its deadline is frozen

    # the services answer a seeded open round, once per owner
    open_round = ConsentRound.objects.filter(frozen_at__isnull=True).order_by("pk").first()
    assert open_round is not None
    silent = (
        ConsentOwner.objects.filter(project=open_round.project)
        .exclude(answers__round=open_round)
        .order_by("pk")
        .first()
    )
    assert silent is not None
    consent_services.record_paper_answer(
        round_=open_round, owner=silent, choice=rules.AGREE, by=None
    )
    with pytest.raises(Conflict):
        consent_services.record_paper_answer(
            round_=open_round, owner=silent, choice=rules.AGREE, by=None
        )
    assert consent_queries.count_of(open_round).participating_owners == (
        ConsentAnswer.objects.filter(round=open_round).count()
    )

    rows = [m.objects.count() for m in (ConsentProject, ConsentOwner, ConsentRound)]
    assert community.seed_consent(seed=5)[0] == 0  # a rerun adds nothing
    assert [m.objects.count() for m in (ConsentProject, ConsentOwner, ConsentRound)] == rows


def test_only_streets_and_towns_have_places_for_projects() -> None:
    places = consent_seed.places(XIMENG)
    assert [c.name for c, _ in places] == [
        "勐梭社区居民委员会",
        "东城社区居民委员会",
        "勐卡社区居民委员会",
        "娜妥坝社区居民委员会",
    ]
    assert {b for _, b in places} == {consent_seed.RENOVATION}
    lifts = consent_seed.places(QIXIA)
    assert lifts and {b for _, b in lifts} == {consent_seed.LIFT}
    assert all(township_kind(c.code) == TownshipKind.STREET for c, _ in lifts)
    assert not [c for c, _ in lifts if "虚拟" in c.name or c.name.endswith("村委会")]


def test_township_kinds_come_from_the_code() -> None:
    assert township_kind("320113007") == TownshipKind.STREET  # 仙林街道
    assert township_kind("110105017000") == TownshipKind.STREET  # 北京's 地区 office
    assert township_kind("530829101") == TownshipKind.TOWN  # 勐梭镇
    assert township_kind("530829202") == TownshipKind.TOWNSHIP  # 力所拉祜族乡
    assert township_kind("320113400") == TownshipKind.OTHER  # 龙潭监狱
    assert is_residents_committee("530829101001")  # 勐梭社区居民委员会
    assert not is_residents_committee("530829101201")  # 勐梭村民委员会
    assert not is_residents_committee("320113400498")  # 龙潭监狱虚拟社区
