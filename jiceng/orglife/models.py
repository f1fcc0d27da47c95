"""Organizational life (组织生活): meetings of the 三会一课 and the rest, attendance, minutes,
the rules of how often each kind is required, and the compliance rollup.

Only the orglife modules named after their job write these rows: scheduling, checkin_codes,
attendance, minutes, talks, requirements, calendars, and compliance for the rollup."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from jiceng.core import clock


class MeetingKind(models.TextChoices):
    GENERAL_MEETING = "GENERAL_MEETING", "支部党员大会"
    COMMITTEE_MEETING = "COMMITTEE_MEETING", "支部委员会会议"
    GROUP_MEETING = "GROUP_MEETING", "党小组会"
    PARTY_LECTURE = "PARTY_LECTURE", "党课"
    THEME_DAY = "THEME_DAY", "主题党日"
    LIFE_MEETING = "LIFE_MEETING", "组织生活会"
    DEMOCRATIC_REVIEW = "DEMOCRATIC_REVIEW", "民主评议党员"
    # not a meeting: a requirement kept with the others (MeetingRule, the compliance masks);
    # met when every active member had a HeartToHeartTalk in the period; never scheduled
    HEART_TO_HEART_TALK = "HEART_TO_HEART_TALK", "谈心谈话"


class Period(models.TextChoices):
    MONTH = "MONTH", "每月"
    QUARTER = "QUARTER", "每季度"
    YEAR = "YEAR", "每年"


class Audience(models.TextChoices):
    ALL_MEMBERS = "ALL_MEMBERS", "全体党员"
    COMMITTEE = "COMMITTEE", "支部委员"
    PARTY_GROUP = "PARTY_GROUP", "党小组成员"


class MeetingStatus(models.TextChoices):
    SCHEDULED = "SCHEDULED", "已安排"
    HELD = "HELD", "已召开"  # the minutes are signed off
    CANCELLED = "CANCELLED", "已取消"


class MeetingRule(models.Model):
    """How often a kind of meeting is required (2018年《中国共产党支部工作条例（试行）》).

    A row without an organization is the national default; an organization department sets one
    for its subtree, and for each organization the rule of its nearest ancestor wins. Without
    any row the defaults in orglife.rules apply."""

    organization = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="meeting_rules",
        verbose_name="适用党组织（空为全国默认）",
    )
    kind = models.CharField("会议类型", max_length=20, choices=MeetingKind.choices)
    period = models.CharField("周期", max_length=10, choices=Period.choices)
    times_per_period = models.PositiveSmallIntegerField("每周期次数", default=1)
    fixed_day = models.PositiveSmallIntegerField("固定日（每月几号）", null=True, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "会议要求"
        verbose_name_plural = "会议要求"
        constraints = [
            models.UniqueConstraint(fields=["organization", "kind"], name="orglife_rule_unique"),
            models.UniqueConstraint(
                fields=["kind"],
                condition=models.Q(organization__isnull=True),
                name="orglife_rule_one_national",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.get_period_display()}{self.times_per_period}次"


class Meeting(models.Model):
    """One meeting of an organization. `month` (YYYYMM) is the compliance key: the rollup
    reads meetings by month with the index below, never by date arithmetic on starts_at."""

    organization = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="meetings",
        verbose_name="党组织",
        db_index=False,  # the index (organization, starts_at) serves it
    )
    kind = models.CharField("会议类型", max_length=20, choices=MeetingKind.choices)
    title = models.CharField("会议主题", max_length=200)
    series = models.UUIDField("系列", null=True, blank=True, db_index=True)
    starts_at = models.DateTimeField("开始时间")
    ends_at = models.DateTimeField("结束时间")
    month = models.PositiveIntegerField("所属月份")  # YYYYMM in China time
    place = models.CharField("地点", max_length=200, blank=True)
    is_online = models.BooleanField("可线上参会", default=False)
    audience = models.CharField(
        "参会范围", max_length=20, choices=Audience.choices, default=Audience.ALL_MEMBERS
    )
    party_group = models.ForeignKey(
        "orgs.PartyGroup",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="meetings",
        verbose_name="党小组",
    )
    status = models.CharField(
        "状态", max_length=10, choices=MeetingStatus.choices, default=MeetingStatus.SCHEDULED
    )
    quorum_met = models.BooleanField("达到法定人数", null=True, blank=True)
    expected_count = models.PositiveIntegerField("应到人数", default=0)
    present_count = models.PositiveIntegerField("实到人数", default=0)
    checkin_secret = models.CharField("签到密钥", max_length=64)
    notified_at = models.DateTimeField("通知时间", null=True, blank=True)
    reminded_at = models.DateTimeField("提醒时间", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="创建人",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "会议"
        verbose_name_plural = "会议"
        ordering = ["-starts_at"]
        indexes = [
            models.Index(fields=["organization", "starts_at"]),
            # the rollup (orglife.compliance): one range per kind over the months of its period,
            # answered from the index alone (SQLite reads no table row; the counts and the
            # attendance sums are in it, and the party group: a group meeting counts per group)
            models.Index(
                fields=[
                    "kind",
                    "month",
                    "status",
                    "organization",
                    "quorum_met",
                    "expected_count",
                    "present_count",
                    "party_group",
                ],
                name="orglife_meeting_rollup",
            ),
            # the reminder's scan every minute (orglife.reminders): the meetings to come that
            # are not reminded yet, by start; reminded ones leave the index
            models.Index(
                fields=["starts_at"],
                condition=models.Q(reminded_at__isnull=True),
                name="orglife_meeting_to_remind",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def has_ended(self) -> bool:
        """Past its end: the check-in has closed (rules.in_checkin_window keeps it open up to
        and including `ends_at`)."""
        return clock.now() > self.ends_at

    @property
    def status_shown(self) -> str:
        """The status as the pages say it: a meeting still scheduled once it has ended is
        waiting for its minutes (signing them makes it 已召开)."""
        if self.status == MeetingStatus.SCHEDULED and self.has_ended:
            return "已结束，待记录"
        return str(self.get_status_display())


class AgendaItem(models.Model):
    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="agenda_items", verbose_name="会议"
    )
    position = models.PositiveSmallIntegerField("序号")
    title = models.CharField("议题", max_length=200)

    class Meta:
        verbose_name = "议程"
        verbose_name_plural = "议程"
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "position"], name="orglife_agenda_position")
        ]

    def __str__(self) -> str:
        return self.title


class AttendanceStatus(models.TextChoices):
    IN_PERSON = "IN_PERSON", "签到"
    ONLINE = "ONLINE", "线上参会"
    EXCUSED = "EXCUSED", "请假"
    ABSENT = "ABSENT", "缺席"


PRESENT_STATUSES = frozenset({AttendanceStatus.IN_PERSON, AttendanceStatus.ONLINE})


class LeaveStatus(models.TextChoices):
    NONE = "", "无"
    REQUESTED = "REQUESTED", "待审批"
    APPROVED = "APPROVED", "已批准"
    REFUSED = "REFUSED", "未批准"


class Attendance(models.Model):
    """One expected attendee of one meeting, made when the notice goes out (status ABSENT until
    they check in, join online long enough, or are excused).

    Append-mostly and the largest table of the app: `month` repeats the meeting's, so that on
    PostgreSQL the table is range-partitioned by month (core.partitions); the unique key leads
    with it (a partitioned table's unique keys must contain the partition key; the primary key
    there is (id, month))."""

    month = models.PositiveIntegerField("所属月份")
    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="attendances", verbose_name="会议"
    )
    member = models.ForeignKey(
        "members.Member",
        on_delete=models.CASCADE,
        related_name="attendances",
        verbose_name="党员",
        db_index=False,  # the index (member, month) serves it
    )
    status = models.CharField(
        "参会情况",
        max_length=10,
        choices=AttendanceStatus.choices,
        default=AttendanceStatus.ABSENT,
    )
    is_full_member = models.BooleanField("正式党员（有表决权）", default=True)
    is_remote = models.BooleanField("流动党员远程参会", default=False)
    checked_in_at = models.DateTimeField("签到时间", null=True, blank=True)
    online_joined_at = models.DateTimeField("首次进入线上会议", null=True, blank=True)
    online_session_started_at = models.DateTimeField("本次进入时间", null=True, blank=True)
    online_left_at = models.DateTimeField("离开线上会议", null=True, blank=True)
    online_seconds = models.PositiveIntegerField("线上在会秒数", default=0)
    leave_status = models.CharField(
        "请假", max_length=10, choices=LeaveStatus.choices, default="", blank=True
    )
    leave_reason = models.CharField("请假事由", max_length=200, blank=True, default="")
    leave_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="审批人",
    )
    leave_decided_at = models.DateTimeField("审批时间", null=True, blank=True)

    class Meta:
        verbose_name = "参会记录"
        verbose_name_plural = "参会记录"
        constraints = [
            models.UniqueConstraint(
                fields=["month", "meeting", "member"], name="orglife_attendance_once"
            )
        ]
        indexes = [models.Index(fields=["member", "month"])]

    def __str__(self) -> str:
        return f"{self.member_id}@{self.meeting_id}"


class Minutes(models.Model):
    """会议记录: structured. `body` holds {"items": [{"title", "summary"}], "resolutions":
    [str], "tasks": [{"title", "owner", "due_on"}]}. Once signed or locked, a change is a
    MinutesAmendment that keeps the text it replaced; `original_body` is what was signed."""

    meeting = models.OneToOneField(
        Meeting, on_delete=models.CASCADE, related_name="minutes", verbose_name="会议"
    )
    body = models.JSONField("记录内容", default=dict)
    original_body = models.JSONField("签发时的记录", null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="记录人",
    )
    recorded_at = models.DateTimeField("记录时间", null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="签发人",
    )
    signed_at = models.DateTimeField("签发时间", null=True, blank=True)
    locks_at = models.DateTimeField("锁定时间")

    class Meta:
        verbose_name = "会议记录"
        verbose_name_plural = "会议记录"

    def __str__(self) -> str:
        return f"{self.meeting}的会议记录"


class MinutesAmendment(models.Model):
    minutes = models.ForeignKey(
        Minutes, on_delete=models.CASCADE, related_name="amendments", verbose_name="会议记录"
    )
    previous_body = models.JSONField("修改前")
    body = models.JSONField("修改后")
    reason = models.CharField("修改原因", max_length=200)
    amended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="修改人",
    )
    amended_at = models.DateTimeField("修改时间")
    # a photo added or removed after sign-off: the photo row is kept either way
    photo = models.ForeignKey(
        "MinutesPhoto",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="amendments",
        verbose_name="照片",
    )

    class Meta:
        verbose_name = "会议记录修改"
        verbose_name_plural = "会议记录修改"
        ordering = ["amended_at"]

    def __str__(self) -> str:
        return self.reason


class MinutesPhoto(models.Model):
    """A photo of the minutes (会议照片). Stored under MEDIA_ROOT under a random name, served
    only through orglife.views.minutes_photo (the photos belong to the party organization, not
    to a public media URL). Removed before sign-off: row and file go; after: `removed_at` is
    set, the file is kept and a MinutesAmendment says why."""

    minutes = models.ForeignKey(
        Minutes, on_delete=models.CASCADE, related_name="photos", verbose_name="会议记录"
    )
    image = models.FileField("照片", upload_to="orglife/minutes/%Y/%m/")
    caption = models.CharField("说明", max_length=200, blank=True)
    content_type = models.CharField("类型", max_length=20, default="image/jpeg")
    size = models.PositiveIntegerField("字节数", default=0)
    uploaded_at = models.DateTimeField("上传时间")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="上传人",
    )
    removed_at = models.DateTimeField("删除时间", null=True, blank=True)

    class Meta:
        verbose_name = "会议照片"
        verbose_name_plural = "会议照片"
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.caption or str(self.image.name)


class HeartToHeartTalk(models.Model):
    """谈心谈话: the secretary (or a committee member) with one member, once a year at least."""

    organization = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="heart_to_heart_talks",
        verbose_name="党组织",
    )
    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="talks", verbose_name="党员"
    )
    talked_on = models.DateField("谈话日期")
    year = models.PositiveSmallIntegerField("年度")
    summary = models.TextField("谈话要点", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="记录人",
    )
    # Whether the talk counts for its branch's compliance: its member is active and still in
    # the branch it was recorded in. Kept when the talk is recorded and whenever the member's
    # status or organization changes (members.signals.member_moved, talks.follow_member), so
    # the rollup counts talks without reading a member row (at scale 1, 97 million of them).
    counted = models.BooleanField("计入合规", default=True)

    class Meta:
        verbose_name = "谈心谈话"
        verbose_name_plural = "谈心谈话"
        indexes = [
            models.Index(fields=["organization", "year"]),
            # the rollup counts each branch's members talked to in one grouped read of this
            # index alone (orglife.compliance._talk_gaps): in (organization, member) order,
            # the grouping needs no sort; only the talks that count are in it
            models.Index(
                fields=["year", "organization", "member", "talked_on"],
                name="orglife_talk_counted",
                condition=models.Q(counted=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.talked_on}"


class CalendarToken(models.Model):
    """The secret in a calendar feed's address (calendar apps cannot sign in). One per user;
    revoking deletes it, and a new one makes every old address stop working."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="calendar_token",
        verbose_name="用户",
    )
    token = models.CharField("令牌", max_length=64, unique=True)
    created_at = models.DateTimeField("创建时间")

    class Meta:
        verbose_name = "日历订阅令牌"
        verbose_name_plural = "日历订阅令牌"

    def __str__(self) -> str:
        return f"{self.user_id}"


class Compliance(models.Model):
    """The compliance rollup of one organization and month (YYYYMM).

    For a branch: which required kinds were held with quorum in the period to date (`met`), are
    missing at the period's end (`missing`) or may still be held (`pending`), as bit masks in
    the order of orglife.rules.KIND_BITS; `branches` is 1. For any other organization: sums
    over the branches of its subtree. Rebuilt per month by `jiceng orglife-compliance`, and
    kept up to date as meetings are signed off."""

    organization = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name="党组织",
        db_constraint=False,
        db_index=False,  # the index unique (organization, month) serves it
    )
    month = models.PositiveIntegerField("月份")
    # the organization's place in the tree, repeated so a subtree's rows are one index range
    path = models.CharField("路径", max_length=255)
    depth = models.PositiveSmallIntegerField("层级")
    branches = models.PositiveIntegerField("支部数", default=0)
    compliant = models.PositiveIntegerField("达标支部数", default=0)
    met = models.PositiveIntegerField("已完成", default=0)
    missing = models.PositiveIntegerField("缺项", default=0)
    pending = models.PositiveIntegerField("待完成", default=0)
    missing_general_meeting = models.PositiveIntegerField(default=0)
    missing_committee_meeting = models.PositiveIntegerField(default=0)
    missing_group_meeting = models.PositiveIntegerField(default=0)
    missing_party_lecture = models.PositiveIntegerField(default=0)
    missing_theme_day = models.PositiveIntegerField(default=0)
    missing_life_meeting = models.PositiveIntegerField(default=0)
    missing_democratic_review = models.PositiveIntegerField(default=0)
    missing_heart_to_heart_talk = models.PositiveIntegerField(default=0)
    # active members without a heart-to-heart talk in the talk rule's period so far (summed up
    # the tree)
    members_without_talk = models.PositiveIntegerField("未谈心谈话党员数", default=0)
    expected = models.PositiveIntegerField("应到人次", default=0)
    present = models.PositiveIntegerField("实到人次", default=0)

    class Meta:
        verbose_name = "组织生活达标情况"
        verbose_name_plural = "组织生活达标情况"
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "month"], name="orglife_compliance_unique"
            )
        ]
        indexes = [
            models.Index(fields=["month", "path"]),
            models.Index(fields=["month", "depth", "path"]),
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.month}"

    @property
    def failing(self) -> int:
        return self.branches - self.compliant


class NoticeKind(models.TextChoices):
    MEETING_NOTICE = "MEETING_NOTICE", "会议通知"
    MEETING_REMINDER = "MEETING_REMINDER", "会前提醒"
    COMPLIANCE_WARNING = "COMPLIANCE_WARNING", "组织生活预警"
    RECEIPT_LATE = "RECEIPT_LATE", "转接回执逾期"  # transfers.receipts


class Notice(models.Model):
    """A message in someone's inbox: the notice of a meeting to each expected attendee, the
    reminder the day before, the warning to a secretary whose branch is about to miss a
    requirement. Written by orglife.tasks (the reminder and the warning through
    orglife.reminders); shown in the notice centre (notices), on "my meetings" and the
    secretary's month."""

    kind = models.CharField("类型", max_length=20, choices=NoticeKind.choices)
    member = models.ForeignKey(
        "members.Member",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="党员",
        db_index=False,  # the index (member, created_at) serves it
    )
    organization = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="党组织（给书记）",
        db_index=False,  # the index (organization, created_at) serves it
    )
    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, null=True, blank=True, related_name="notices"
    )
    text = models.CharField("内容", max_length=300)
    created_at = models.DateTimeField("时间")

    class Meta:
        verbose_name = "通知"
        verbose_name_plural = "通知"
        indexes = [
            models.Index(fields=["member", "created_at"]),
            models.Index(fields=["organization", "created_at"]),
        ]

    def __str__(self) -> str:
        return self.text
