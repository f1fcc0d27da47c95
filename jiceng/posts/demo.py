"""A few responsibility posts for the demo: the demo branch's members on posts in their
community (载入演示数据)."""

from __future__ import annotations

from jiceng.members.models import Member, MemberStatus
from jiceng.orgs.models import Organization

from . import services
from .models import PostKind, ResponsibilityPost

POSTS = (
    (
        PostKind.RESPONSIBILITY,
        "垃圾分类督导岗",
        "小区垃圾投放点",
        "早晚督导垃圾分类投放，劝导乱扔乱放",
        "垃圾分类，党员先行",
    ),
    (
        PostKind.RESPONSIBILITY,
        "楼道安全巡查岗",
        "本楼栋",
        "每周检查楼道消防通道和电动车停放",
        "安全无小事，有事找党员",
    ),
    (
        PostKind.MODEL,
        "便民服务示范岗",
        "社区党群服务中心",
        "帮助老人办理社保认证、网上缴费等事项",
        "我是党员，向我看齐",
    ),
    (
        PostKind.RESPONSIBILITY,
        "邻里调解岗",
        "社区调解室",
        "协助社区调解邻里纠纷",
        "以心换心，化解矛盾",
    ),
)


def seed_posts(*, organization: Organization) -> int:
    """The posts of `organization`; none if it has any."""
    if ResponsibilityPost.objects.filter(organization=organization).exists():
        return 0
    holders = list(
        Member.objects.filter(organization=organization, status=MemberStatus.FULL).order_by("pk")[
            1 : len(POSTS) + 1
        ]
    )
    for (kind, name, place, duty, sign), holder in zip(POSTS, holders, strict=False):
        services.set_up_post(
            organization=organization,
            kind=kind,
            name=name,
            place=place,
            duty=duty,
            sign=sign,
            holder=holder,
            by=None,
        )
    return min(len(POSTS), len(holders))
