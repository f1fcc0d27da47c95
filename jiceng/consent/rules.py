"""The rule of a consent round and its count, pure (no database): exact arithmetic only.

Civil Code art. 278 (《民法典》第二百七十八条): a matter such as rebuilding the common parts
(adding a lift) is decided with the participation of owners holding at least two thirds of
the exclusive area and at least two thirds of the owners, and the agreement of owners holding
at least three quarters of the participating area and at least three quarters of the
participating owners. "At least" includes the bound: exactly 2/3 participates. A city may set
its own fractions (models.ConsentRule). Besides the counts, the owner of any unit the lift
would occupy must agree, whatever the counts (where the rule says so).

An owner is one head however many units they own, and brings all their area. An owner who
abstains (弃权) has taken part but has not agreed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

AGREE, DISAGREE, ABSTAIN = "AGREE", "DISAGREE", "ABSTAIN"


@dataclass(frozen=True)
class Rule:
    name: str
    participation_area: Fraction
    participation_owners: Fraction
    agreement_area: Fraction
    agreement_owners: Fraction
    occupied_must_agree: bool = True


CIVIL_CODE = Rule(
    name="《民法典》第二百七十八条",
    participation_area=Fraction(2, 3),
    participation_owners=Fraction(2, 3),
    agreement_area=Fraction(3, 4),
    agreement_owners=Fraction(3, 4),
)


def parse_fraction(text: str) -> Fraction:
    """ "2/3" -> Fraction(2, 3); a share between 0 and 1, or ValueError in Chinese."""
    try:
        value = Fraction(text.strip())
    except (ValueError, ZeroDivisionError):
        raise ValueError(f"比例应写作分数，如 2/3，而不是“{text}”") from None
    if not 0 < value <= 1:
        raise ValueError("比例应大于 0 且不超过 1")
    return value


@dataclass(frozen=True)
class Unit:
    owner: int
    area: Decimal
    is_occupied: bool = False


@dataclass(frozen=True)
class Check:
    label: str
    have: Fraction | None  # None: nothing to divide by yet
    need: Fraction
    is_met: bool


@dataclass(frozen=True)
class Tally:
    owners: int
    area: Decimal
    participating_owners: int
    participating_area: Decimal
    agreeing_owners: int
    agreeing_area: Decimal
    disagreeing_owners: int
    abstaining_owners: int
    checks: tuple[Check, ...]
    occupied_owners: tuple[int, ...]  # owners whose unit the lift would occupy
    occupied_not_agreeing: tuple[int, ...]
    is_met: bool


def _share(part: Decimal | int, whole: Decimal | int) -> Fraction | None:
    return Fraction(part) / Fraction(whole) if whole else None


def _check(label: str, have: Fraction | None, need: Fraction) -> Check:
    return Check(label, have, need, have is not None and have >= need)


def tally(units: Iterable[Unit], answers: Mapping[int, str], rule: Rule) -> Tally:
    """The count of a round: `units` of the project, `answers` by owner (AGREE, DISAGREE,
    ABSTAIN; owners who have not answered are absent)."""
    area_of: dict[int, Decimal] = {}
    occupied: set[int] = set()
    for unit in units:
        area_of[unit.owner] = area_of.get(unit.owner, Decimal(0)) + unit.area
        if unit.is_occupied:
            occupied.add(unit.owner)
    answered = {owner: choice for owner, choice in answers.items() if owner in area_of}
    agreeing = [owner for owner, choice in answered.items() if choice == AGREE]
    total_area = sum(area_of.values(), Decimal(0))
    part_area = sum((area_of[o] for o in answered), Decimal(0))
    agree_area = sum((area_of[o] for o in agreeing), Decimal(0))
    checks = (
        _check("参与表决的专有部分面积", _share(part_area, total_area), rule.participation_area),
        _check(
            "参与表决的业主人数", _share(len(answered), len(area_of)), rule.participation_owners
        ),
        _check("同意的面积占参与表决面积", _share(agree_area, part_area), rule.agreement_area),
        _check(
            "同意的人数占参与表决人数", _share(len(agreeing), len(answered)), rule.agreement_owners
        ),
    )
    not_agreeing = tuple(sorted(o for o in occupied if answered.get(o) != AGREE))
    is_met = all(c.is_met for c in checks) and not (rule.occupied_must_agree and not_agreeing)
    return Tally(
        owners=len(area_of),
        area=total_area,
        participating_owners=len(answered),
        participating_area=part_area,
        agreeing_owners=len(agreeing),
        agreeing_area=agree_area,
        disagreeing_owners=sum(1 for c in answered.values() if c == DISAGREE),
        abstaining_owners=sum(1 for c in answered.values() if c == ABSTAIN),
        checks=checks,
        occupied_owners=tuple(sorted(occupied)),
        occupied_not_agreeing=not_agreeing,
        is_met=is_met,
    )


def fraction_text(value: Fraction | None) -> str:
    return "—" if value is None else f"{value.numerator}/{value.denominator}"


def percent_text(value: Fraction | None) -> str:
    """For the page: 66.67%, to the nearest hundredth of a percent. The page shows the counts
    and the bound as a fraction beside it: the check, never this text, says whether it is met."""
    if value is None:
        return "—"
    hundredths = round(value * 10000)
    return f"{hundredths // 100}.{hundredths % 100:02d}%"


def as_record(result: Tally) -> dict[str, object]:
    """The count as the frozen round keeps it (JSON: areas as strings, shares as fractions)."""
    return {
        "owners": result.owners,
        "area": str(result.area),
        "participating_owners": result.participating_owners,
        "participating_area": str(result.participating_area),
        "agreeing_owners": result.agreeing_owners,
        "agreeing_area": str(result.agreeing_area),
        "disagreeing_owners": result.disagreeing_owners,
        "abstaining_owners": result.abstaining_owners,
        "checks": [
            {
                "label": c.label,
                "have": fraction_text(c.have),
                "need": fraction_text(c.need),
                "is_met": c.is_met,
            }
            for c in result.checks
        ],
        "occupied_owners": list(result.occupied_owners),
        "occupied_not_agreeing": list(result.occupied_not_agreeing),
        "is_met": result.is_met,
    }
