"""The member registry on the workbench (web.workbench): the members whose lost contact or
suspension has run its time and awaits the branch's decision; an organization department's
bulk imports: the buttons, and its own recent imports of members as the audit log recorded them
(one record per import, with its count: members.services.create_members)."""

from __future__ import annotations

import json

from django.urls import reverse

from jiceng.accounts.models import Role, User
from jiceng.accounts.permissions import Permission, has_permission, roles_of
from jiceng.accounts.scoping import scope_of
from jiceng.core import clock
from jiceng.core.models import AuditRecord
from jiceng.orgs import subtrees
from jiceng.web.workbench import Action, Content, Figure, Item, kept_when_big, panel

from . import queries
from .models import StatusMove

RECENT = 3
READ = 20  # the user's last member registrations read to find the imports among them


def _imports(user: User) -> bool:
    return Role.ORGANIZATION_DEPARTMENT in roles_of(user) and has_permission(
        user, Permission.MANAGE_MEMBERS
    )


@panel("members.imports", title="批量导入", order=32, shows=_imports, empty="最近没有导入记录")
def imports(user: User) -> Content:
    records = AuditRecord.objects.filter(
        user=user, action="members.create_members", result="SUCCESS"
    ).order_by("-at")[:READ]
    items: list[Item] = []
    members_list = reverse("members:list")
    for record in records:
        count = json.loads(record.detail or "{}").get("count", 0)
        if count > 1:  # one member is a form's registration, not an import
            at = record.at.astimezone(clock.CHINA)
            items.append(Item(f"导入党员 {count} 人", members_list, note=f"{at:%Y-%m-%d %H:%M}"))
        if len(items) == RECENT:
            break
    actions = [Action("批量导入党员", reverse("members:import"))]
    if has_permission(user, Permission.MANAGE_ORGANIZATIONS):
        actions.append(Action("批量导入党组织", reverse("orgs:import"), primary=False))
    return Content(items=items, actions=actions)


SHOWN_DUE = 5
WAITING = {
    StatusMove.SUSPEND: "失去联系，已满六个月，待研究停止党籍",
    StatusMove.REMOVE: "停止党籍，已满两年，待研究除名",
}


def _manages_members(user: User) -> bool:
    return has_permission(user, Permission.MANAGE_MEMBERS)


@panel(
    "members.standing",
    title="党籍处置提醒",
    order=26,
    shows=_manages_members,
    empty="",
)
def standing(user: User) -> list[Content]:
    """失去联系满六个月的，停止党籍；停止党籍满两年仍无法取得联系的，予以除名: the decision is
    the branch's, taken on the member page; the platform only says whose time has come. A
    reminder: no panel at all while nobody's time has come."""
    # Over a large reach the read is kept a while (web.workbench.kept_when_big): every member
    # lost or suspended in a province is tested against the date of the move that began it.
    reach = scope_of(user).reach(Permission.MANAGE_MEMBERS)
    count, due = kept_when_big(
        f"workbench:members:standing:{reach.key()}",
        big=subtrees.organizations_in(reach) > subtrees.BIG_REACH,
        read=lambda: queries.standing_due(user, limit=SHOWN_DUE),
    )
    if not count:
        return []
    items = [
        Item(
            f"{d.member.name}（{d.member.organization.name}）",
            reverse("members:detail", args=[d.member.pk]),
            note=f"{d.since:%Y-%m-%d}{WAITING[d.decision]}",
            tone="warn",
        )
        for d in due
    ]
    return [Content(figures=[Figure("待处置", count, tone="warn")], items=items)]
