"""Named people for the 双报到 tests: 陈晓 (member_user, 文苑社区第一党支部) lives in 文苑社区;
郑敏 (wenyuan_official) acts for 文苑社区; 钱进 for 尧化社区 (another community)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from jiceng.accounts.models import Role, User
from jiceng.core import clock
from jiceng.reporting import services
from jiceng.reporting.models import CommunityReport, Need
from jiceng.testing.grid_personas import Grids
from jiceng.testing.personas import user_with

NOW = dt.datetime(2026, 5, 20, 10, 0, tzinfo=clock.CHINA)
HOME = "仙林街道文苑社区学海路8号3栋"
WENYUAN = "320113007001"


@pytest.fixture
def frozen() -> Iterator[None]:
    with clock.frozen(NOW):
        yield


@pytest.fixture
def yaohua_community_official(grids: Grids) -> User:
    """钱进, acting for 尧化社区 only."""
    return user_with("qian-jin", Role.COMMUNITY_OFFICIAL, division_id="320113001001")


@dataclass
class Reported:
    report: CommunityReport
    need: Need


@pytest.fixture
def reported(frozen: None, grids: Grids, member_user: User, wenyuan_official: User) -> Reported:
    """陈晓 reported to 文苑社区 and confirmed; a need of 文苑社区 with two places."""
    assert member_user.member is not None
    report = services.report_member(member=member_user.member, address=HOME, by=member_user)
    services.decide_report(report=report, accept=True, by=wenyuan_official)
    need = services.add_need(
        community=report.community, title="陪伴独居老人", places=2, by=wenyuan_official
    )
    report.refresh_from_db()
    return Reported(report, need)
