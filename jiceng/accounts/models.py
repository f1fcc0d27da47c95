from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class User(AbstractUser):
    """A person who signs in. `display_name` is the Chinese full name shown in pages."""

    display_name = models.CharField("姓名", max_length=50, blank=True)
    member = models.OneToOneField(
        "members.Member",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="user",
        verbose_name="对应党员",
    )

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self) -> str:
        return self.display_name or self.username


class Role(models.TextChoices):
    MEMBER = "MEMBER", "党员"
    BRANCH_SECRETARY = "BRANCH_SECRETARY", "支部书记"
    COMMITTEE_MEMBER = "COMMITTEE_MEMBER", "支委"
    ORGANIZATION_DEPARTMENT = "ORGANIZATION_DEPARTMENT", "组织部门"
    STREET_OFFICIAL = "STREET_OFFICIAL", "街道干部"
    COMMUNITY_OFFICIAL = "COMMUNITY_OFFICIAL", "社区干部"
    GRID_WORKER = "GRID_WORKER", "网格员"
    DEPARTMENT_STAFF = "DEPARTMENT_STAFF", "职能部门人员"
    STATION_KEEPER = "STATION_KEEPER", "驿站管理员"
    # 驻村干部: a first secretary or a member of a village work team (villages.Dispatch); the
    # row names the village's organization, appointed by the county organization department.
    VILLAGE_CADRE = "VILLAGE_CADRE", "驻村干部"
    SYSTEM_ADMIN = "SYSTEM_ADMIN", "系统管理员"
    SECURITY_ADMIN = "SECURITY_ADMIN", "安全管理员"
    AUDIT_ADMIN = "AUDIT_ADMIN", "审计管理员"


# 三员分立 (等保 2.0): the three separated administrators. No account holds two of them, and
# each must pass a second factor (TOTP) before any administrator page opens.
ADMIN_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})


class RoleAssignment(models.Model):
    """A role a user holds, with the scope it names: an organization subtree or a division."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="roles", verbose_name="账号"
    )
    role = models.CharField("角色", max_length=40, choices=Role.choices)
    organization = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="范围（党组织）",
    )
    division = models.ForeignKey(
        "divisions.Division",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="范围（行政区划）",
        db_constraint=False,
    )

    class Meta:
        verbose_name = "角色"
        verbose_name_plural = "角色"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "organization", "division"], name="role_unique"
            ),
            # 三员分立 kept by the database too: at most one of the three per account.
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(role__in=sorted(ADMIN_ROLES)),
                name="one_admin_role_per_user",
            ),
        ]

    def __str__(self) -> str:
        scope = self.organization or self.division or ""
        return f"{self.get_role_display()} {scope}".strip()


class SecurityPolicy(models.Model):
    """The sign-in policy the security administrator sets (安全策略). One row at most; a blank
    field keeps the installation's default from the settings (JICENG_LOCKOUT_FAILURES,
    JICENG_LOCKOUT_MINUTES, JICENG_IDLE_MINUTES)."""

    lockout_failures = models.PositiveSmallIntegerField(
        "连续登录失败几次后锁定",
        null=True,
        blank=True,
        validators=[MinValueValidator(3), MaxValueValidator(10)],
    )
    lockout_minutes = models.PositiveSmallIntegerField(
        "锁定时长（分钟）",
        null=True,
        blank=True,
        validators=[MinValueValidator(5), MaxValueValidator(1440)],
    )
    idle_minutes = models.PositiveSmallIntegerField(
        "无操作自动退出（分钟）",
        null=True,
        blank=True,
        validators=[MinValueValidator(5), MaxValueValidator(30)],
    )
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "安全策略"
        verbose_name_plural = "安全策略"

    def __str__(self) -> str:
        return "安全策略"
