import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jiceng.orgs import rules
from jiceng.orgs.models import OrgKind, Sector


@pytest.mark.parametrize(
    ("kind", "sector", "years"),
    [
        (OrgKind.BRANCH, Sector.AGENCY, 3),
        (OrgKind.GENERAL_BRANCH, Sector.STATE_ENTERPRISE, 3),
        (OrgKind.COMMITTEE, Sector.INSTITUTION, 5),
        (OrgKind.BRANCH, Sector.VILLAGE, 5),
        (OrgKind.BRANCH, Sector.COMMUNITY, 5),
        (OrgKind.JOINT_BRANCH, Sector.PRIVATE_ENTERPRISE, 3),
    ],
)
def test_term_length_follows_kind_and_sector(kind: str, sector: str, years: int) -> None:
    assert rules.term_years(kind, sector) == years
    assert rules.term_due(dt.date(2021, 3, 15), kind=kind, sector=sector) == dt.date(
        2021 + years, 3, 15
    )


def test_term_starting_on_29_february_falls_due_on_28_february() -> None:
    assert rules.term_due(dt.date(2024, 2, 29), kind=OrgKind.BRANCH, sector="") == dt.date(
        2027, 2, 28
    )


@given(
    st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2040, 1, 1)), st.integers(-400, 400)
)
def test_term_status_thresholds(today: dt.date, offset: int) -> None:
    status = rules.term_status(today + dt.timedelta(days=offset), today=today)
    if offset < 0:
        assert status == "overdue"
    elif offset <= rules.DUE_SOON_DAYS:
        assert status == "due_soon"
    else:
        assert status == "ok"


def test_branch_with_two_full_members_is_warned() -> None:
    warnings = rules.size_warnings(OrgKind.BRANCH, members=4, full_members=2, committee_seats=0)
    assert len(warnings) == 1 and "不足3人" in warnings[0]


def test_branch_of_seven_without_committee_is_told_to_elect_one() -> None:
    assert any(
        "支部委员会" in w
        for w in rules.size_warnings(OrgKind.BRANCH, members=7, full_members=7, committee_seats=1)
    )
    assert rules.size_warnings(OrgKind.BRANCH, members=7, full_members=7, committee_seats=3) == []


def test_large_branches_are_pointed_to_general_branch_or_committee() -> None:
    fifty = rules.size_warnings(OrgKind.BRANCH, members=50, full_members=50, committee_seats=5)
    fifty_one = rules.size_warnings(OrgKind.BRANCH, members=51, full_members=51, committee_seats=5)
    hundred = rules.size_warnings(OrgKind.BRANCH, members=100, full_members=100, committee_seats=5)
    assert fifty == []
    assert fifty_one == ["党员51人，超过50人，可以成立党总支"]
    assert hundred == ["党员100人，达到100人以上，可以成立基层党委"]


def test_size_rules_apply_to_branches_only() -> None:
    assert (
        rules.size_warnings(OrgKind.COMMITTEE, members=1, full_members=0, committee_seats=0) == []
    )


def test_branches_hold_no_sub_organizations() -> None:
    assert not rules.may_contain(OrgKind.BRANCH, OrgKind.BRANCH)
    assert rules.may_contain(OrgKind.GENERAL_BRANCH, OrgKind.BRANCH)
    assert not rules.may_contain(OrgKind.GENERAL_BRANCH, OrgKind.COMMITTEE)
    assert rules.may_contain(OrgKind.COMMITTEE, OrgKind.GENERAL_BRANCH)
