"""The top bar's menu: the one table of the pages the site offers from every page, in groups.

Each row names the page (a URL name), its group and who sees it: a predicate over what the
signed-in user holds (`Held`). A row is shown only to those whose roles open its page, so no
link of the menu leads to a 403 (tests/test_navigation.py and accounts' URL walk check it).
Work that adds a page reached from the menu adds its row here.

A user offered few pages (a member: workbench, meetings, dues, points) sees them in one line;
one offered more sees the groups, each opening its pages (a list on a phone, a drop-down on a
wide screen), so the organization department's two dozen pages fit one line."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import Enum

from django.urls import reverse

FLAT_UP_TO = 7  # this many links or fewer are shown in one line, without groups


class Group(Enum):
    PARTY = "党的建设"
    APPRAISAL = "考评统计"
    GOVERNANCE = "基层治理"
    MOBILIZATION = "党员动员"
    VILLAGES = "乡村与新业态"
    MINE = "我的"


@dataclass(frozen=True)
class Held:
    """What the menu asks of the signed-in user (web.context_processors.navigation)."""

    permissions: frozenset[str]
    sees_compliance: bool = False
    is_administrator: bool = False
    # where this instance exchanges with other province instances, its operators
    # (federation.queries.runs_exchange)
    runs_federation_exchange: bool = False

    def any(self, *names: str) -> bool:
        return any(name in self.permissions for name in names)


@dataclass(frozen=True)
class Entry:
    label: str
    url_name: str
    group: Group
    shown: Callable[[Held], bool]


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True)
class Section:
    label: str
    links: tuple[Link, ...]


def _holds(*names: str) -> Callable[[Held], bool]:
    return lambda held: held.any(*names)


def _member_only(held: Held) -> bool:
    # a member's own points; a member manager has the branch's page instead
    both = held.any("attend_meetings") and held.any("view_own_record")
    return both and not held.any("manage_members")


# the leaders of the party side or of the governance side
_LEADERS = _holds("approve_development", "view_case_metrics")

_COMMUNITY_SERVICE = _holds("manage_community_service")
_HOUSEHOLD_KEEPERS = _holds("handle_cases", "dispatch_cases", "manage_grids", "manage_members")


def _station_keeper(held: Held) -> bool:
    # a keeper's own station; the registry's managers have the registry instead
    return held.any("keep_service_stations") and not held.any("manage_service_stations")


def _household_member(held: Held) -> bool:
    return held.any("view_own_record") and not _HOUSEHOLD_KEEPERS(held)


MENU: tuple[Entry, ...] = (
    Entry("组织架构", "orgs:tree", Group.PARTY, _holds("view_organizations")),
    Entry("党员", "members:list", Group.PARTY, _holds("view_members")),
    Entry("党员批量导入", "members:import", Group.PARTY, _holds("manage_members")),
    Entry("发展党员", "development:pipeline", Group.PARTY, _holds("manage_members")),
    Entry("组织关系转接", "transfers:list", Group.PARTY, _holds("manage_members")),
    Entry(
        "组织生活", "orglife:my_meetings", Group.PARTY, _holds("attend_meetings", "manage_meetings")
    ),
    Entry("党费", "dues:home", Group.PARTY, _holds("view_own_record", "view_members")),
    Entry("党员积分", "points:overview", Group.PARTY, _holds("manage_members")),
    Entry("我的积分", "points:mine", Group.PARTY, _member_only),
    Entry("组织生活达标", "orglife:compliance", Group.APPRAISAL, lambda held: held.sees_compliance),
    Entry("评星定级", "appraisal:grades", Group.APPRAISAL, _holds("view_organizations")),
    Entry("驾驶舱", "dashboard:home", Group.APPRAISAL, _LEADERS),
    Entry("党内统计", "statistics:home", Group.APPRAISAL, _holds("approve_development")),
    Entry("工单", "cases:inbox", Group.GOVERNANCE, _holds("handle_cases")),
    Entry("派单", "cases:dispatch", Group.GOVERNANCE, _holds("dispatch_cases")),
    Entry("吹哨", "cases:whistle", Group.GOVERNANCE, _holds("summon_departments")),
    Entry("报到", "cases:department", Group.GOVERNANCE, _holds("answer_summons")),
    Entry("网格", "grid:map", Group.GOVERNANCE, _holds("view_grids")),
    Entry("排名", "case_metrics:ranking", Group.GOVERNANCE, _holds("view_case_metrics")),
    Entry("我的社区", "reporting:mine", Group.MOBILIZATION, _holds("serve_community")),
    Entry("社区报到", "reporting:communities", Group.MOBILIZATION, _COMMUNITY_SERVICE),
    Entry("双报到反馈", "reporting:branch", Group.MOBILIZATION, _holds("manage_members")),
    Entry("联系户", "households:grids", Group.MOBILIZATION, _HOUSEHOLD_KEEPERS),
    Entry("我的联系户", "households:mine", Group.MOBILIZATION, _household_member),
    Entry(
        "党员突击队",
        "taskforces:home",
        Group.MOBILIZATION,
        _holds("attend_meetings", "view_organizations"),
    ),
    Entry("村集体经济", "cooperatives:overview", Group.VILLAGES, _holds("view_organizations")),
    Entry("驻村日志", "villages:today", Group.VILLAGES, _holds("log_village_work")),
    Entry("驻村工作队", "villages:teams", Group.VILLAGES, _holds("manage_village_teams")),
    Entry("红帆驿站", "stations:registry", Group.VILLAGES, _holds("manage_service_stations")),
    Entry("我的驿站", "stations:mine", Group.VILLAGES, _station_keeper),
    Entry("居民意见征询", "consent:list", Group.GOVERNANCE, _holds("dispatch_cases")),
    Entry("我的导出", "exports:mine", Group.MINE, _holds("export_data")),
    Entry("投诉建议处理", "feedback:inbox", Group.MINE, _holds("manage_accounts")),
    Entry("系统管理", "admin:index", Group.MINE, lambda held: held.is_administrator),
    Entry(
        "跨省交换异常",
        "federation:exchange_problems",
        Group.MINE,
        lambda held: held.runs_federation_exchange,
    ),
    Entry("投诉建议", "feedback:mine", Group.MINE, lambda held: True),
)


def links_for(held: Held, entries: Iterable[Entry] = MENU) -> list[Section]:
    """The menu's sections for this user, in the table's group order; empty groups left out."""
    by_group: dict[Group, list[Link]] = {group: [] for group in Group}
    for entry in entries:
        if entry.shown(held):
            by_group[entry.group].append(Link(entry.label, reverse(entry.url_name)))
    return [Section(group.value, tuple(links)) for group, links in by_group.items() if links]


def is_flat(sections: list[Section]) -> bool:
    return sum(len(section.links) for section in sections) <= FLAT_UP_TO
