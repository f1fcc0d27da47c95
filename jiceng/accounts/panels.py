"""The administrators on the workbench (web.workbench): each of the three separated
administrators (三员) has one panel, the way into their part of the administration site. The
second factor is already behind them: SecondFactorMiddleware lets no administrator reach the
workbench before it."""

from __future__ import annotations

from django.urls import reverse

from jiceng.web.workbench import Action, Content, panel

from .models import ADMIN_ROLES, Role, User
from .permissions import roles_of

WHAT = {
    Role.SYSTEM_ADMIN: "账号开通与停用、诉求分类等基础数据",
    Role.SECURITY_ADMIN: "角色授权、安全策略、身份验证器重置",
    Role.AUDIT_ADMIN: "审计记录查询与核验",
}


def _administers(user: User) -> bool:
    return bool(roles_of(user) & ADMIN_ROLES)


@panel("accounts.admin", title="系统管理", order=90, shows=_administers, empty="")
def administration(user: User) -> Content:
    role = next(iter(sorted(roles_of(user) & ADMIN_ROLES)))
    return Content(
        note=f"{role.label}：{WHAT[role]}",
        actions=[Action(f"进入{role.label}工作台", reverse("admin:index"))],
    )
