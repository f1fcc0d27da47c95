"""The member registry on the workbench (web.workbench): an organization department's bulk
imports: the buttons, and its own recent imports of members as the audit log recorded them
(one record per import, with its count: members.services.create_members)."""

from __future__ import annotations

import json

from django.urls import reverse

from jiceng.accounts.models import Role, User
from jiceng.accounts.permissions import Permission, has_permission, roles_of
from jiceng.core import clock
from jiceng.core.models import AuditRecord
from jiceng.web.workbench import Action, Content, Item, panel

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
