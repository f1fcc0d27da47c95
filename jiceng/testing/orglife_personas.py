"""Named people and rows for the orglife tests (pytest fixtures), beside jiceng.testing.personas."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from jiceng.accounts.models import Role, RoleAssignment, User
from jiceng.core import clock
from jiceng.members.models import Member
from jiceng.orglife.models import Meeting, MeetingKind
from jiceng.orglife.scheduling import schedule_meeting
from jiceng.testing.personas import PASSWORD, Tree, add_member

# A Thursday in the middle of a month: 主题党日 at 15:00, checked in during the meeting.
THEME_DAY_START = dt.datetime(2025, 5, 15, 15, 0, tzinfo=clock.CHINA)
DURING = THEME_DAY_START + dt.timedelta(minutes=10)


def member_account(member: Member, username: str) -> User:
    user = User.objects.create_user(
        username=username, password=PASSWORD, member=member, display_name=member.name
    )
    RoleAssignment.objects.create(user=user, role=Role.MEMBER)
    return user


@dataclass
class Branch:
    """文苑社区第一党支部 with its secretary and two members who sign in: 陈晓 (member_user)
    and 赵磊, a mobile member who works in 苏州 and takes part online."""

    secretary: User
    chen: User
    zhao: User


@pytest.fixture
def orglife_branch(tree: Tree, secretary: User, member_user: User) -> Branch:
    zhao = add_member(tree.branch, name="赵磊", is_mobile=True, work_place="苏州工业园区")
    return Branch(secretary=secretary, chen=member_user, zhao=member_account(zhao, "zhao-lei"))


@pytest.fixture
def theme_day(tree: Tree, orglife_branch: Branch) -> Meeting:
    """The branch's May 2025 theme day, online participation open, scheduled on 1 May."""
    with clock.frozen(dt.datetime(2025, 5, 1, 9, 0, tzinfo=clock.CHINA)):
        return schedule_meeting(
            organization=tree.branch,
            kind=MeetingKind.THEME_DAY,
            title="五月主题党日：学习党章",
            starts_at=THEME_DAY_START,
            ends_at=THEME_DAY_START + dt.timedelta(hours=2),
            place="文苑社区党群服务中心",
            is_online=True,
            agenda=["学习党章第一章", "志愿服务安排"],
            by=orglife_branch.secretary,
        )


@pytest.fixture
def media_root(settings: Any, tmp_path: Path) -> Path:
    """Uploaded files go to a directory of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


# The smallest files that are what they say: the first bytes are all the upload looks at.
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
JPEG_BYTES = b"\xff\xd8\xff\xe0" + b"\x00" * 200
WEBP_BYTES = b"RIFF\x00\x01\x00\x00WEBPVP8 " + b"\x00" * 200
