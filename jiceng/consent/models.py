"""Residents' consent projects (加装电梯 等居民意见征询).

A `ConsentProject` is one building or unit; its `ConsentHousehold` rows are the exclusive
parts (专有部分) with their floor area, each owned by a `ConsentOwner` (one owner of several
units is one row: one head in the count, all their area). A `ConsentRound` asks every owner
once before its deadline, under the rule it copied when it opened (`rules.Rule`: the Civil
Code's art. 278 unless the city has its own `ConsentRule`); each `ConsentAnswer` is one
owner's, on paper (entered by the community) or on a phone with a `ConsentCode` sent by SMS.
At the deadline the round's count is frozen into `result` with every answer kept.

Owners' names and phones are sealed (core.crypto) and shown masked (core.masking); the full
values are read only through queries.reveal_owner, which is audited."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from jiceng.core import clock


class ConsentRule(models.Model):
    """A city's (or any division's) own thresholds, replacing the Civil Code's for the
    projects inside it; the deepest division wins. Fractions as written: "2/3"."""

    division = models.OneToOneField(
        "divisions.Division",
        verbose_name="适用地区",
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
    )
    name = models.CharField("规则名称", max_length=100)
    participation_area = models.CharField("参与表决面积占比下限", max_length=12, default="2/3")
    participation_owners = models.CharField("参与表决人数占比下限", max_length=12, default="2/3")
    agreement_area = models.CharField("同意面积占参与面积下限", max_length=12, default="3/4")
    agreement_owners = models.CharField("同意人数占参与人数下限", max_length=12, default="3/4")
    occupied_must_agree = models.BooleanField("占用专有部分的业主须同意", default=True)

    class Meta:
        verbose_name = "表决规则"
        verbose_name_plural = "表决规则"

    def __str__(self) -> str:
        return self.name


class ProjectKind(models.TextChoices):
    LIFT = "LIFT", "加装电梯"
    RENOVATION = "RENOVATION", "老旧小区改造"
    OTHER = "OTHER", "其他共有部分改造"


class ConsentProject(models.Model):
    community = models.ForeignKey(
        "divisions.Division",
        verbose_name="社区",
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    kind = models.CharField("事项", max_length=12, choices=ProjectKind.choices)
    name = models.CharField("名称", max_length=100)
    building = models.CharField("楼栋", max_length=50)
    unit = models.CharField("单元", max_length=50, blank=True)
    description = models.TextField("方案说明", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField("登记时间", default=clock.now)

    class Meta:
        verbose_name = "意见征询事项"
        verbose_name_plural = "意见征询事项"
        indexes = [models.Index(fields=["community"], name="consent_project_community")]

    def __str__(self) -> str:
        return self.name


class ConsentOwner(models.Model):
    """业主: one per person per project, however many units they own."""

    project = models.ForeignKey(
        ConsentProject, verbose_name="事项", on_delete=models.CASCADE, related_name="owners"
    )
    name_sealed = models.BinaryField("姓名（密文）")
    name_masked = models.CharField("姓名", max_length=50)
    phone_sealed = models.BinaryField("手机号（密文）", null=True, blank=True)
    phone_masked = models.CharField("手机号", max_length=20, blank=True)
    # blind index of name and phone: the same person entered for a second unit is found again
    identity_index = models.BinaryField("身份索引", max_length=16)

    class Meta:
        verbose_name = "业主"
        verbose_name_plural = "业主"
        constraints = [
            models.UniqueConstraint(
                fields=["project", "identity_index"], name="consent_owner_once_per_project"
            )
        ]

    def __str__(self) -> str:
        return self.name_masked


class ConsentHousehold(models.Model):
    """A unit (专有部分) and its floor area."""

    project = models.ForeignKey(
        ConsentProject, verbose_name="事项", on_delete=models.CASCADE, related_name="households"
    )
    room = models.CharField("房号", max_length=20)
    floor = models.SmallIntegerField("楼层")
    area = models.DecimalField("专有部分面积（㎡）", max_digits=8, decimal_places=2)
    owner = models.ForeignKey(
        ConsentOwner, verbose_name="业主", on_delete=models.PROTECT, related_name="households"
    )
    is_occupied = models.BooleanField("电梯占用该户专有部分", default=False)

    class Meta:
        verbose_name = "房屋"
        verbose_name_plural = "房屋"
        ordering = ["floor", "room"]
        constraints = [
            models.UniqueConstraint(fields=["project", "room"], name="consent_room_once")
        ]

    def __str__(self) -> str:
        return self.room


class ConsentRound(models.Model):
    """One round of asking (一轮征询), with the rule it opened under and, once its deadline
    has passed, the count frozen (`frozen_at`, `is_met`, `result`)."""

    project = models.ForeignKey(
        ConsentProject, verbose_name="事项", on_delete=models.CASCADE, related_name="rounds"
    )
    number = models.PositiveSmallIntegerField("轮次")
    opened_at = models.DateTimeField("开始时间", default=clock.now)
    deadline = models.DateTimeField("截止时间")
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发起人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The owners' answer page's address: a random key, not the row's number.
    public_key = models.CharField("答复页标识", max_length=24, unique=True)
    rule_name = models.CharField("表决规则", max_length=100)
    participation_area = models.CharField("参与表决面积占比下限", max_length=12)
    participation_owners = models.CharField("参与表决人数占比下限", max_length=12)
    agreement_area = models.CharField("同意面积占参与面积下限", max_length=12)
    agreement_owners = models.CharField("同意人数占参与人数下限", max_length=12)
    occupied_must_agree = models.BooleanField("占用专有部分的业主须同意")
    frozen_at = models.DateTimeField("结果固定时间", null=True, blank=True)
    is_met = models.BooleanField("是否通过", null=True, blank=True)
    result = models.JSONField("截止时的统计", default=dict, blank=True)

    class Meta:
        verbose_name = "征询轮次"
        verbose_name_plural = "征询轮次"
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="consent_round_number"),
            models.UniqueConstraint(
                fields=["project"],
                condition=Q(frozen_at__isnull=True),
                name="consent_one_open_round",
            ),
        ]
        indexes = [
            models.Index(
                fields=["deadline"],
                condition=Q(frozen_at__isnull=True),
                name="consent_round_due",
            )
        ]

    def __str__(self) -> str:
        return f"{self.project}（第{self.number}轮）"

    @property
    def is_frozen(self) -> bool:
        return self.frozen_at is not None

    def is_past_deadline(self) -> bool:
        return clock.now() >= self.deadline


class Choice(models.TextChoices):
    AGREE = "AGREE", "同意"
    DISAGREE = "DISAGREE", "不同意"
    ABSTAIN = "ABSTAIN", "弃权"


class AnswerChannel(models.TextChoices):
    PAPER = "PAPER", "书面（社区录入）"
    PHONE = "PHONE", "手机（短信验证码）"


class ConsentAnswer(models.Model):
    """One owner's answer in one round, given once and never edited."""

    round = models.ForeignKey(
        ConsentRound, verbose_name="轮次", on_delete=models.CASCADE, related_name="answers"
    )
    owner = models.ForeignKey(
        ConsentOwner, verbose_name="业主", on_delete=models.PROTECT, related_name="answers"
    )
    choice = models.CharField("意见", max_length=10, choices=Choice.choices)
    channel = models.CharField("方式", max_length=10, choices=AnswerChannel.choices)
    objects_light = models.BooleanField("影响采光", default=False)
    objects_ventilation = models.BooleanField("影响通风", default=False)
    objects_noise = models.BooleanField("噪音", default=False)
    note = models.CharField("意见说明", max_length=500, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="录入人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    answered_at = models.DateTimeField("答复时间", default=clock.now)

    class Meta:
        verbose_name = "业主意见"
        verbose_name_plural = "业主意见"
        ordering = ["answered_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["round", "owner"], name="consent_answer_once")
        ]

    def __str__(self) -> str:
        return f"{self.owner} {self.get_choice_display()}"

    @property
    def objections(self) -> list[str]:
        return [
            label
            for flag, label in (
                (self.objects_light, "采光"),
                (self.objects_ventilation, "通风"),
                (self.objects_noise, "噪音"),
            )
            if flag
        ]


class ConsentCode(models.Model):
    """A one-time code sent to an owner's phone for one round, kept only as a keyed digest."""

    round = models.ForeignKey(
        ConsentRound, verbose_name="轮次", on_delete=models.CASCADE, related_name="codes"
    )
    owner = models.ForeignKey(
        ConsentOwner, verbose_name="业主", on_delete=models.CASCADE, related_name="+"
    )
    digest = models.BinaryField("验证码摘要", max_length=16)
    sent_at = models.DateTimeField("发送时间", default=clock.now)
    used_at = models.DateTimeField("使用时间", null=True, blank=True)

    class Meta:
        verbose_name = "短信验证码"
        verbose_name_plural = "短信验证码"
        constraints = [
            models.UniqueConstraint(fields=["round", "owner"], name="consent_code_per_owner"),
            models.UniqueConstraint(fields=["round", "digest"], name="consent_code_digest"),
        ]

    def __str__(self) -> str:
        return f"{self.round_id}/{self.owner_id}"
