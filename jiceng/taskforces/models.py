"""党员突击队: a task force formed for an event or called up in an emergency (下沉), its sites,
each site's shifts, and who serves on them (members, and volunteers who are not members).

A shift's `taken` is the count of its active assignments, kept by the services with a
conditional UPDATE (taken < needed), so that the last place goes to exactly one of two people
taking it at the same time. The task force keeps its own figures (places, hours) the same way,
so that a committee's figures over its subtree are one range scan over task forces."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from jiceng.core import clock

from . import checkin

# A shift's hours may be confirmed or corrected until this many days after it ends; then they
# are final and the points job posts them (points.posting.post_taskforce_month): the ledger
# takes an event once, so hours still open to correction are not posted.
HOURS_FINAL_AFTER_DAYS = 7


class Kind(models.TextChoices):
    EVENT = "EVENT", "专项任务"  # flood defence, a sampling campaign, a festival's security
    CALL_UP = "CALL_UP", "应急下沉"  # a department calls up the members of the units under it


class TaskForce(models.Model):
    name = models.CharField("突击队名称", max_length=100)
    kind = models.CharField("类型", max_length=10, choices=Kind.choices, default=Kind.EVENT)
    organization = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="组建党组织",
    )
    purpose = models.CharField("任务", max_length=200, blank=True)
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期")
    is_open = models.BooleanField("接受报名", default=True)
    # The figures of the task force (kept by the services with F()): places the shifts need,
    # places taken, minutes of service confirmed.
    places_needed = models.PositiveIntegerField("需要人次", default=0)
    places_taken = models.PositiveIntegerField("已报名人次", default=0)
    minutes_confirmed = models.PositiveBigIntegerField("已确认服务时长（分钟）", default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="组建人",
    )
    created_at = models.DateTimeField("组建时间", default=clock.now)

    class Meta:
        verbose_name = "党员突击队"
        verbose_name_plural = "党员突击队"
        indexes = [
            models.Index(fields=["organization", "ends_on"], name="taskforce_org_ends"),
            # those still running, country-wide (queries.managed_under for a big subtree)
            models.Index(fields=["ends_on", "starts_on"], name="taskforce_running"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def hours_confirmed(self) -> float:
        return round(self.minutes_confirmed / 60, 1)

    @property
    def coverage(self) -> int:
        """Places taken of places needed, in per cent."""
        return round(100 * self.places_taken / self.places_needed) if self.places_needed else 0


class Site(models.Model):
    task_force = models.ForeignKey(
        TaskForce, on_delete=models.CASCADE, related_name="sites", verbose_name="突击队"
    )
    name = models.CharField("点位名称", max_length=100)
    address = models.CharField("地址", max_length=200, blank=True)
    lon = models.FloatField("经度")
    lat = models.FloatField("纬度")
    community = models.ForeignKey(
        "divisions.Division",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="所在社区",
        db_constraint=False,
    )
    grid = models.ForeignKey(
        "grid.Grid",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="所在网格",
    )
    lead = models.ForeignKey(
        "members.Member",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="点位负责人",
    )
    # What the QR code at the site carries is signed with this (taskforces.checkin).
    checkin_secret = models.CharField(max_length=32)

    class Meta:
        verbose_name = "点位"
        verbose_name_plural = "点位"
        indexes = [models.Index(fields=["community"], name="taskforce_site_community")]

    def __str__(self) -> str:
        return self.name


class Shift(models.Model):
    task_force = models.ForeignKey(
        TaskForce, on_delete=models.CASCADE, related_name="+", verbose_name="突击队"
    )
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="shifts")
    starts_at = models.DateTimeField("开始时间")
    ends_at = models.DateTimeField("结束时间")
    needed = models.PositiveSmallIntegerField("需要人数")
    taken = models.PositiveSmallIntegerField("已报名人数", default=0)

    class Meta:
        verbose_name = "班次"
        verbose_name_plural = "班次"
        constraints = [
            models.CheckConstraint(
                condition=Q(taken__lte=F("needed")), name="taskforce_shift_not_overbooked"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="taskforce_shift_ends_after"
            ),
        ]
        indexes = [
            # The board reads a day's shifts of a task force from this index alone (totals,
            # the distinct sites, the sites with gaps): no visit to the table's rows.
            models.Index(
                fields=["task_force", "starts_at", "site", "needed", "taken"],
                name="taskforce_shift_board",
            ),
            # The gap list reads only the shifts with places left, its totals from the index
            # alone, its rows in the index's order.
            models.Index(
                fields=["task_force", "starts_at", "site", "needed", "taken"],
                condition=Q(taken__lt=F("needed")),
                name="taskforce_shift_gap_list",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.site_id}@{self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def gap(self) -> int:
        return self.needed - self.taken


class Volunteer(models.Model):
    """志愿者: someone who is not a party member, with the least the sign-up needs: a name and a
    phone (sealed, indexed and masked as members' phones are, see core.masking)."""

    name = models.CharField("姓名", max_length=50)
    phone_sealed = models.BinaryField("手机号（密文）")
    phone_digest = models.BinaryField("手机号索引", max_length=16, unique=True)
    phone_masked = models.CharField("手机号", max_length=11)
    created_at = models.DateTimeField("登记时间", default=clock.now)

    class Meta:
        verbose_name = "志愿者"
        verbose_name_plural = "志愿者"

    def __str__(self) -> str:
        return self.name


class How(models.TextChoices):
    VOLUNTEERED = "VOLUNTEERED", "自愿报名"
    ASSIGNED = "ASSIGNED", "组织安排"


class Confirmation(models.TextChoices):
    LEAD = "LEAD", "点位负责人确认"
    CHECKIN = "CHECKIN", "现场签到签退"


class Assignment(models.Model):
    """One person on one shift. Cancelled rows stay (status), so the record says who left."""

    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="assignments")
    # Copied from the shift: the overlap check and the figures read them without a join.
    task_force = models.ForeignKey(TaskForce, on_delete=models.CASCADE, related_name="+")
    starts_at = models.DateTimeField("开始时间")
    ends_at = models.DateTimeField("结束时间")
    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.CASCADE, null=True, blank=True, related_name="assignments"
    )
    how = models.CharField("方式", max_length=12, choices=How.choices, default=How.VOLUNTEERED)
    is_active = models.BooleanField("有效", default=True)
    checked_in_at = models.DateTimeField("签到时间", null=True, blank=True)
    checked_out_at = models.DateTimeField("签退时间", null=True, blank=True)
    minutes_confirmed = models.PositiveIntegerField("确认时长（分钟）", null=True, blank=True)
    confirmed_how = models.CharField(
        "确认方式", max_length=10, choices=Confirmation.choices, blank=True
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="确认人",
    )
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    created_at = models.DateTimeField("报名时间", default=clock.now)

    class Meta:
        verbose_name = "班次人员"
        verbose_name_plural = "班次人员"
        constraints = [
            models.CheckConstraint(
                condition=Q(member__isnull=True, volunteer__isnull=False)
                | Q(member__isnull=False, volunteer__isnull=True),
                name="taskforce_assignment_one_person",
            ),
            models.UniqueConstraint(
                fields=["shift", "member"],
                condition=Q(is_active=True, member__isnull=False),
                name="taskforce_member_once_per_shift",
            ),
            models.UniqueConstraint(
                fields=["shift", "volunteer"],
                condition=Q(is_active=True, volunteer__isnull=False),
                name="taskforce_volunteer_once_per_shift",
            ),
        ]
        indexes = [
            models.Index(fields=["member", "starts_at"], name="taskforce_member_shifts"),
            models.Index(fields=["volunteer", "starts_at"], name="taskforce_volunteer_shifts"),
            models.Index(fields=["task_force", "is_active"], name="taskforce_assignment_tf"),
        ]

    def __str__(self) -> str:
        return f"{self.shift_id}:{self.member_id or self.volunteer_id}"

    @property
    def check_in_open(self) -> bool:
        """Whether the member may check in now (the pages offer the button only then)."""
        return checkin.within_shift(now=clock.now(), starts_at=self.starts_at, ends_at=self.ends_at)

    @property
    def person_name(self) -> str:
        if self.member is not None:
            return self.member.name
        assert self.volunteer is not None
        return self.volunteer.name


class GapNotice(models.Model):
    """A task force's gap list told to a member who lives where its sites are (缺员通知): in
    the notice centre (notices.queries) and, in batches, by e-mail and SMS (taskforces.notices)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name="用户"
    )
    task_force = models.ForeignKey(
        TaskForce, on_delete=models.CASCADE, related_name="+", verbose_name="突击队"
    )
    text = models.CharField("内容", max_length=200)
    created_at = models.DateTimeField("发送时间")
    read_at = models.DateTimeField("已读时间", null=True, blank=True)
    sent_at = models.DateTimeField("外发时间", null=True, blank=True)

    class Meta:
        verbose_name = "缺员通知"
        verbose_name_plural = "缺员通知"
        indexes = [
            models.Index(fields=["user", "created_at"], name="taskforce_notice_user"),
            models.Index(
                fields=["id"], condition=Q(sent_at__isnull=True), name="taskforce_notice_unsent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.task_force_id}"
