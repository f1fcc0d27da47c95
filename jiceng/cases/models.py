"""Citizen requests (诉求/工单) and the units that handle them.

Categories (request types and subjects) are rows the system administrator edits; the first
ones come from a data migration. Only `intake` (a new case) and the moves in `services` set a
case's status: by conditional UPDATE, and every move adds a `CaseEvent`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NoReturn

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

from jiceng.core import clock
from jiceng.core.errors import AppendOnly

from .workflow import OPEN_STATUSES, Channel, DeadlineClass, Level, Satisfaction, Status


def case_number(received_at: dt.datetime, pk: int) -> str:
    """工单号 as people read it out: the date received (China) and the id."""
    day = received_at.astimezone(clock.CHINA)
    return f"{day.year:04d}{day.month:02d}{day.day:02d}{pk:06d}"  # not strftime: every intake


class CaseType(models.Model):
    """诉求类型: 咨询, 求助, 投诉, 举报, 建议."""

    code = models.SlugField("编码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=20, unique=True)
    position = models.PositiveSmallIntegerField("排序", default=0)
    is_active = models.BooleanField("启用", default=True)
    # The catalogue's last change is Open311 discovery's changeset (open311.catalogue).
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = "诉求类型"
        verbose_name_plural = "诉求类型"

    def __str__(self) -> str:
        return self.name


class Subject(models.Model):
    """诉求事项: what a case is about, the kind of unit that handles it and its deadline class.

    `function` names the line of work (城管, 水务 ...); escalation looks for the station or
    department of the same function."""

    code = models.SlugField("编码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=40)
    group = models.CharField("大类", max_length=20)
    function = models.CharField("职能", max_length=20, blank=True)
    unit_level = models.CharField(
        "承办单位类型", max_length=12, choices=Level.choices, default=Level.GRID
    )
    deadline_class = models.CharField(
        "时限类别", max_length=12, choices=DeadlineClass.choices, default=DeadlineClass.GENERAL
    )
    position = models.PositiveSmallIntegerField("排序", default=0)
    is_active = models.BooleanField("启用", default=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = "诉求事项"
        verbose_name_plural = "诉求事项"

    def __str__(self) -> str:
        return f"{self.group}·{self.name}"


class Station(models.Model):
    """站所: a service unit of a street (城管中队, 派出所, 市场监管所 ...)."""

    name = models.CharField("名称", max_length=100)
    function = models.CharField("职能", max_length=20, blank=True)
    street = models.ForeignKey(
        "divisions.Division",
        verbose_name="所属街道",
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        ordering = ["street", "name"]
        verbose_name = "站所"
        verbose_name_plural = "站所"
        constraints = [
            models.UniqueConstraint(fields=["street", "name"], name="station_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    """职能部门 of a district (城管局, 水务局, 住建局 ...)."""

    name = models.CharField("名称", max_length=100)
    function = models.CharField("职能", max_length=20, blank=True)
    district = models.ForeignKey(
        "divisions.Division",
        verbose_name="所属区县",
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        ordering = ["district", "name"]
        verbose_name = "职能部门"
        verbose_name_plural = "职能部门"
        constraints = [
            models.UniqueConstraint(fields=["district", "name"], name="department_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class DepartmentStaff(models.Model):
    """A user working for a department; they also hold Role.DEPARTMENT_STAFF over its district
    (units.add_department_staff grants both)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="人员",
        on_delete=models.PROTECT,
        related_name="department_posts",
    )
    department = models.ForeignKey(
        Department, verbose_name="部门", on_delete=models.PROTECT, related_name="staff"
    )

    class Meta:
        verbose_name = "部门人员"
        verbose_name_plural = "部门人员"
        constraints = [
            models.UniqueConstraint(fields=["user", "department"], name="department_staff_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.department}"


class Case(models.Model):
    """诉求/工单. The reporter's phone is sealed (field "case_phone"); lists show it masked."""

    channel = models.CharField("渠道", max_length=10, choices=Channel.choices)
    # Foreign keys without an index of their own where a composite index (Meta) leads with the
    # column, or where few rows have a value (a partial index): every index is written by every
    # intake (bench_intake). Types are deactivated, not deleted, so theirs has none.
    case_type = models.ForeignKey(
        CaseType,
        verbose_name="诉求类型",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    subject = models.ForeignKey(
        Subject, verbose_name="诉求事项", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    deadline_class = models.CharField("时限类别", max_length=12, choices=DeadlineClass.choices)
    # Open311 takes up to 4,000 characters (GeoReport v2), or none; the other channels 2,000
    # (intake.check_intake).
    description = models.TextField("诉求内容", max_length=4000, blank=True)
    lon = models.FloatField("经度", null=True, blank=True)
    lat = models.FloatField("纬度", null=True, blank=True)
    address = models.CharField("地址", max_length=200, blank=True)
    photo = models.FileField("照片", upload_to="cases/%Y/%m/", blank=True)
    reporter_name = models.CharField("诉求人", max_length=50, blank=True)
    reporter_phone_sealed = models.BinaryField("联系电话（密文）", null=True, blank=True)
    reporter_phone_masked = models.CharField("联系电话", max_length=20, blank=True)
    token_digest = models.CharField("查询码摘要", max_length=64, unique=True)
    # The reporter's own secret for rating (回访评价), apart from the token, which reads the
    # progress and may be shared (Open311 hands it to the client app and answers it publicly).
    # Found through the token, so it needs no index of its own; empty for cases received
    # before it existed, which are followed up by phone.
    feedback_digest = models.CharField("评价码摘要", max_length=64, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="录入人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    finding = models.ForeignKey(
        "grid.PatrolFinding",
        verbose_name="巡查发现",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    open311_attributes = models.JSONField("Open311 属性", default=dict, blank=True)
    # Where routing placed it (grid.routing.locate) and how.
    grid = models.ForeignKey(
        "grid.Grid",
        verbose_name="网格",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    community = models.ForeignKey(
        "divisions.Division",
        verbose_name="社区（村）",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    street = models.ForeignKey(
        "divisions.Division",
        verbose_name="街道（乡镇）",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    routed_how = models.CharField("定位方式", max_length=20, blank=True)
    # Who handles it now: the grid, a station of the street or a department of the district.
    level = models.CharField("承办层级", max_length=12, choices=Level.choices, default=Level.GRID)
    station = models.ForeignKey(
        Station,
        verbose_name="承办站所",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        db_index=False,
    )
    department = models.ForeignKey(
        Department,
        verbose_name="承办部门",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        db_index=False,
    )
    status = models.CharField("状态", max_length=12, choices=Status.choices)
    accept_due_at = models.DateTimeField("签收时限", null=True, blank=True)
    resolve_due_at = models.DateTimeField("办结时限", null=True, blank=True)
    received_at = models.DateTimeField("受理时间")
    dispatched_at = models.DateTimeField("派单时间", null=True, blank=True)
    accepted_at = models.DateTimeField("签收时间（响应）", null=True, blank=True)
    resolved_at = models.DateTimeField("办结时间", null=True, blank=True)
    followed_up_at = models.DateTimeField("回访时间", null=True, blank=True)
    closed_at = models.DateTimeField("结案时间", null=True, blank=True)
    overdue_noticed_at = models.DateTimeField("超时提醒时间", null=True, blank=True)
    resolution = models.TextField("办理结果", max_length=2000, blank=True)
    is_resolved_by_reporter = models.BooleanField("诉求人认为已解决", null=True, blank=True)
    satisfaction = models.CharField(
        "满意度", max_length=20, choices=Satisfaction.choices, blank=True
    )
    reopen_count = models.PositiveSmallIntegerField("重办次数", default=0)
    escalation_count = models.PositiveSmallIntegerField("上报次数", default=0)
    merged_into = models.ForeignKey(
        "self",
        verbose_name="合并至",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_cases",
        db_index=False,
    )

    class Meta:
        ordering = ["-received_at"]
        verbose_name = "诉求"
        verbose_name_plural = "诉求"
        indexes = [
            # Inboxes: a grid's, a station's, a department's open cases.
            models.Index(fields=["grid", "status"], name="case_grid_status"),
            models.Index(
                fields=["station", "status"],
                name="case_station_status",
                condition=Q(station__isnull=False),
            ),
            models.Index(
                fields=["department", "status"],
                name="case_department_status",
                condition=Q(department__isnull=False),
            ),
            # Scoped lists and metrics: a range on the division code, then the month.
            models.Index(fields=["community", "received_at"], name="case_community_received"),
            models.Index(fields=["street", "received_at"], name="case_street_received"),
            models.Index(fields=["received_at"], name="case_received"),
            # `jiceng tick`: the open cases past a deadline.
            models.Index(fields=["status", "accept_due_at"], name="case_status_accept_due"),
            models.Index(fields=["status", "resolve_due_at"], name="case_status_resolve_due"),
            # Duplicates: the same subject in a latitude band, then longitude and distance.
            models.Index(fields=["subject", "lat"], name="case_subject_lat"),
            # Few cases have these: a staff member's intake, a merge.
            models.Index(
                fields=["entered_by"], name="case_entered_by", condition=Q(entered_by__isnull=False)
            ),
            models.Index(
                fields=["merged_into"],
                name="case_merged_into",
                condition=Q(merged_into__isnull=False),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["finding"], name="case_one_per_finding", condition=Q(finding__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        """工单号 as people read it out: the date received and the id."""
        return case_number(self.received_at, self.pk)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class EventKind(models.TextChoices):
    RECEIVED = "RECEIVED", "受理"
    DISPATCHED = "DISPATCHED", "派单"
    ACCEPTED = "ACCEPTED", "签收"
    STARTED = "STARTED", "开始办理"
    RESOLVED = "RESOLVED", "办结"
    RETURNED = "RETURNED", "退单"
    REASSIGNED = "REASSIGNED", "改派"
    ESCALATED = "ESCALATED", "上报"
    FOLLOWED_UP = "FOLLOWED_UP", "回访"
    CLOSED = "CLOSED", "结案"
    REOPENED = "REOPENED", "重新办理"
    MERGED = "MERGED", "合并"
    SUMMONED = "SUMMONED", "吹哨"
    REPORTED = "REPORTED", "部门报到"
    FINISHED = "FINISHED", "部门完成"
    RATED = "RATED", "评价部门"
    UNSUMMONED = "UNSUMMONED", "撤回吹哨"
    RESUMMONED = "RESUMMONED", "吹哨改派"
    OVERDUE = "OVERDUE", "超时"


class CaseEventQuerySet(models.QuerySet["CaseEvent"]):
    """Events are added, never changed or removed: the ORM paths that would are refused."""

    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnly(EVENTS_APPEND_ONLY)

    def delete(self) -> NoReturn:
        raise AppendOnly(EVENTS_APPEND_ONLY)

    def bulk_update(self, objs: Any, fields: Any, batch_size: int | None = None) -> NoReturn:
        raise AppendOnly(EVENTS_APPEND_ONLY)

    # Model.save() of an existing row reaches the database through _update.
    def _update(self, values: Any) -> NoReturn:
        raise AppendOnly(EVENTS_APPEND_ONLY)


EVENTS_APPEND_ONLY = "诉求的办理过程只能追加，不能修改或删除"


class CaseEvent(models.Model):
    """One move of a case, append-only.

    Nothing references an event and none is ever updated, so on PostgreSQL the table is
    partitioned by `at` (range, monthly; core.partitions) with the primary key (id, at), the
    code untouched: every read names a case and orders by `at`, or scans a period of `at`."""

    case = models.ForeignKey(  # indexed by case_event_case_at
        Case, verbose_name="诉求", on_delete=models.PROTECT, related_name="events", db_index=False
    )
    kind = models.CharField("事件", max_length=12, choices=EventKind.choices)
    at = models.DateTimeField("时间")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        on_delete=models.PROTECT,  # an event names who acted: accounts are deactivated
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # case_event_actor, partial: a citizen's intake has no actor
    )
    from_status = models.CharField("原状态", max_length=12, choices=Status.choices, blank=True)
    to_status = models.CharField("新状态", max_length=12, choices=Status.choices, blank=True)
    unit = models.CharField("承办单位", max_length=100, blank=True)
    note = models.CharField("说明", max_length=1000, blank=True)

    objects = CaseEventQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]
        base_manager_name = "objects"  # Model.save() updates through the base manager
        verbose_name = "诉求事件"
        verbose_name_plural = "诉求事件"
        indexes = [
            models.Index(fields=["case", "at"], name="case_event_case_at"),
            models.Index(fields=["at", "kind"], name="case_event_at_kind"),
            models.Index(
                fields=["actor"], name="case_event_actor", condition=Q(actor__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"


class Summons(models.Model):
    """吹哨: a street official summons departments to a case; each reports (报到) in time."""

    case = models.ForeignKey(
        Case, verbose_name="诉求", on_delete=models.PROTECT, related_name="summonses"
    )
    summoned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="吹哨人",
        on_delete=models.PROTECT,
        related_name="+",
    )
    summoned_at = models.DateTimeField("吹哨时间")
    report_due_at = models.DateTimeField("报到时限")
    note = models.CharField("事由", max_length=500, blank=True)

    class Meta:
        ordering = ["-summoned_at"]
        verbose_name = "吹哨"
        verbose_name_plural = "吹哨"

    def __str__(self) -> str:
        return f"吹哨 {self.case_id} {self.summoned_at:%Y-%m-%d %H:%M}"


class SummonsReport(models.Model):
    """One summoned department's part: reported (报到) in time or late, finished, rated."""

    summons = models.ForeignKey(
        Summons, verbose_name="吹哨", on_delete=models.PROTECT, related_name="reports"
    )
    department = models.ForeignKey(
        Department, verbose_name="部门", on_delete=models.PROTECT, related_name="summons_reports"
    )
    # Kept beside the summons so a department's inbox and the case's close check need one index.
    case = models.ForeignKey(
        Case, verbose_name="诉求", on_delete=models.PROTECT, related_name="summons_reports"
    )
    report_due_at = models.DateTimeField("报到时限")
    reported_at = models.DateTimeField("报到时间", null=True, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="报到人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    is_late = models.BooleanField("迟到", default=False)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    finish_note = models.CharField("办理情况", max_length=1000, blank=True)
    rating = models.PositiveSmallIntegerField("街道评价（1-5）", null=True, blank=True)
    rated_at = models.DateTimeField("评价时间", null=True, blank=True)

    class Meta:
        ordering = ["summons", "department"]
        verbose_name = "部门报到"
        verbose_name_plural = "部门报到"
        constraints = [
            models.UniqueConstraint(fields=["summons", "department"], name="summons_report_unique"),
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                name="summons_rating_1_5",
            ),
        ]
        indexes = [
            models.Index(fields=["department", "finished_at"], name="summons_dept_finished"),
            models.Index(fields=["case", "finished_at"], name="summons_case_finished"),
            models.Index(fields=["reported_at", "report_due_at"], name="summons_report_due"),
        ]

    def __str__(self) -> str:
        return f"{self.department} 报到"


class Notice(models.Model):
    """A message to a user about a case (a new case in the grid, an overdue one, a summons)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="接收人",
        on_delete=models.CASCADE,
        related_name="case_notices",
        db_index=False,  # indexed by case_notice_user
    )
    case = models.ForeignKey(
        Case, verbose_name="诉求", on_delete=models.CASCADE, related_name="notices"
    )
    text = models.CharField("内容", max_length=200)
    created_at = models.DateTimeField("时间")
    read_at = models.DateTimeField("已读时间", null=True, blank=True)
    # When the outward channels (e-mail, SMS) took it: cases.notices.deliver_pending sends the
    # notices not yet sent in batches, so that a move writes a row and queues nothing.
    sent_at = models.DateTimeField("外发时间", null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "提醒"
        verbose_name_plural = "提醒"
        indexes = [
            models.Index(fields=["user", "-created_at"], name="case_notice_user"),
            # the few waiting to go out, in the order they were written
            models.Index(
                fields=["id"], name="case_notice_unsent", condition=models.Q(sent_at__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return self.text


class Open311Key(models.Model):
    """An Open311 API key: a system allowed to submit cases (a city app, the 12345 platform),
    issued by the system administrator (open311.keys). Only the key's SHA-256 is kept, found
    through its unique index on every POST; the key itself is shown once, when it is issued.
    A key is revoked, never deleted: its cases name it as their client."""

    name = models.CharField("名称", max_length=50, unique=True)
    digest = models.CharField("密钥摘要", max_length=64, unique=True, editable=False)
    prefix = models.CharField("密钥开头", max_length=8, editable=False)
    rate = models.CharField(
        "限流",
        max_length=20,
        default="10/s",
        validators=[
            RegexValidator(r"^[1-9][0-9]*/([1-9][0-9]*)?[smhd]$", "如 10/s、600/m 或 5/10m")
        ],
        help_text="该密钥最多提交的诉求数：每秒（s）、分（m）、时（h）或天（d），如 10/s",
    )
    is_revoked = models.BooleanField("已吊销", default=False)
    created_at = models.DateTimeField("发放时间", default=clock.now, editable=False)
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = "Open311 API 密钥"
        verbose_name_plural = "Open311 API 密钥"

    def __str__(self) -> str:
        return self.name
