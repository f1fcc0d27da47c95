"""Standardization (标准化规范化建设) and model organizations (模范党组织).

A checklist is data: a `ChecklistVersion` per year, national (no organization) or adopted by
a department for its subtree (the nearest one above an organization applies), with its
`ChecklistItem`s (weight, where the score comes from, whether evidence is asked). Each
organization's year is a `StandardizationChecklist` with its `score` and `stars`; the items
the records cannot answer are `SelfAssessment`s, reviewed by the higher committee."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Source(models.TextChoices):
    """Where an item's score comes from: the records, or a self-assessment reviewed above."""

    MEETINGS = "MEETINGS", "三会一课按时召开（组织生活达标情况）"
    COMMITTEE = "COMMITTEE", "班子健全（书记在任）"
    TERM = "TERM", "按期换届"
    DUES = "DUES", "按时足额交纳党费"
    DEVELOPMENT = "DEVELOPMENT", "发展党员按程序推进（无超期）"
    TALKS = "TALKS", "谈心谈话全覆盖"
    SELF = "SELF", "自评（上级党委审核）"


# What the records answer (the dues from the dues ledger's bills): no self-assessment asked.
RECORD_SOURCES = frozenset(
    {Source.MEETINGS, Source.COMMITTEE, Source.TERM, Source.DUES, Source.DEVELOPMENT, Source.TALKS}
)


class ChecklistVersion(models.Model):
    """The checklist of one year, national or for a department's subtree."""

    year = models.PositiveSmallIntegerField("年度")
    organization = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="适用党组织（空为全国默认）",
    )
    name = models.CharField("名称", max_length=100)
    five_star_cap_percent = models.PositiveSmallIntegerField("五星级比例上限（%）", default=20)
    created_at = models.DateTimeField("创建时间")

    class Meta:
        verbose_name = "标准化规范化评分表"
        verbose_name_plural = "标准化规范化评分表"
        constraints = [
            models.UniqueConstraint(
                fields=["year", "organization"], name="appraisal_one_version_per_subtree"
            ),
            models.UniqueConstraint(
                fields=["year"],
                condition=models.Q(organization__isnull=True),
                name="appraisal_one_national_version",
            ),
            models.CheckConstraint(
                condition=models.Q(five_star_cap_percent__lte=100),
                name="appraisal_cap_is_a_percentage",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year}年 {self.name}"


class ChecklistItem(models.Model):
    version = models.ForeignKey(
        ChecklistVersion, on_delete=models.CASCADE, related_name="items", verbose_name="评分表"
    )
    order = models.PositiveSmallIntegerField("序号")
    text = models.CharField("内容", max_length=200)
    weight = models.PositiveSmallIntegerField("分值")
    source = models.CharField("评分依据", max_length=20, choices=Source.choices)
    evidence_required = models.BooleanField("须上传佐证", default=False)

    class Meta:
        verbose_name = "评分项"
        verbose_name_plural = "评分项"
        ordering = ["order"]
        constraints = [
            models.UniqueConstraint(fields=["version", "order"], name="appraisal_item_order"),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.text}（{self.weight}分）"

    @property
    def from_records(self) -> bool:
        return self.source in RECORD_SOURCES


class StandardizationChecklist(models.Model):
    """One organization's year: the score of each item (`points`, item pk -> points, from the
    records or the reviewed self-assessment), the total `score` and the `stars`."""

    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="+", verbose_name="党组织"
    )
    year = models.PositiveSmallIntegerField("年度")
    version = models.ForeignKey(
        ChecklistVersion, on_delete=models.PROTECT, related_name="+", verbose_name="评分表"
    )
    # the organization's place in the tree, repeated so a subtree's year is one index range
    path = models.CharField("路径", max_length=255)
    points = models.JSONField("各项得分", default=dict)
    score = models.PositiveSmallIntegerField("得分", default=0)
    stars = models.PositiveSmallIntegerField("星级", default=1)
    # self-assessed items not yet reviewed: their points count only once reviewed
    awaiting_review = models.PositiveSmallIntegerField("待审核项", default=0)
    computed_at = models.DateTimeField("计算时间")

    class Meta:
        verbose_name = "标准化规范化评星定级"
        verbose_name_plural = "标准化规范化评星定级"
        constraints = [
            models.UniqueConstraint(fields=["organization", "year"], name="appraisal_one_a_year"),
        ]
        indexes = [models.Index(fields=["year", "path"]), models.Index(fields=["year", "score"])]

    def __str__(self) -> str:
        return f"{self.organization}（{self.year}年）{self.score}分 {self.stars}星"


class Review(models.TextChoices):
    PENDING = "PENDING", "待审核"
    ACCEPTED = "ACCEPTED", "已审核"


class SelfAssessment(models.Model):
    """A branch's own score of an item the records cannot answer, with its evidence where the
    item asks for it, and the higher committee's reviewed score."""

    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="+", verbose_name="党组织"
    )
    item = models.ForeignKey(
        ChecklistItem, on_delete=models.CASCADE, related_name="+", verbose_name="评分项"
    )
    self_points = models.PositiveSmallIntegerField("自评分")
    note = models.CharField("自评说明", max_length=500, blank=True)
    evidence = models.FileField("佐证材料", upload_to="appraisal/evidence/%Y/", blank=True)
    evidence_type = models.CharField("佐证类型", max_length=60, blank=True)
    status = models.CharField("审核", max_length=10, choices=Review.choices, default=Review.PENDING)
    reviewed_points = models.PositiveSmallIntegerField("审核分", null=True, blank=True)
    review_note = models.CharField("审核意见", max_length=500, blank=True)
    assessed_at = models.DateTimeField("自评时间")
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = "自评"
        verbose_name_plural = "自评"
        constraints = [
            models.UniqueConstraint(fields=["organization", "item"], name="appraisal_one_self"),
        ]
        indexes = [
            # those waiting for review, oldest first (queries.awaiting_review)
            models.Index(
                fields=["assessed_at", "id"],
                condition=Q(status="PENDING"),
                name="selfassessment_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.item}"


class Nomination(models.TextChoices):
    NOMINATED = "NOMINATED", "已推荐"
    NAMED = "NAMED", "已命名"
    DECLINED = "DECLINED", "未通过"


class ModelOrganization(models.Model):
    """示范/模范党组织: nominated from the top of a year's scores, reviewed and named with a
    citation by a department above it."""

    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="+", verbose_name="党组织"
    )
    year = models.PositiveSmallIntegerField("年度")
    path = models.CharField("路径", max_length=255)
    status = models.CharField("状态", max_length=10, choices=Nomination.choices)
    reason = models.CharField("推荐理由", max_length=500)
    citation = models.CharField("命名评语", max_length=500, blank=True)
    score = models.PositiveSmallIntegerField("推荐时得分")
    nominated_at = models.DateTimeField("推荐时间")
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decided_at = models.DateTimeField("审定时间", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = "模范党组织"
        verbose_name_plural = "模范党组织"
        constraints = [
            models.UniqueConstraint(fields=["organization", "year"], name="appraisal_one_model"),
        ]
        indexes = [models.Index(fields=["year", "path"])]

    def __str__(self) -> str:
        return f"{self.year}年度 {self.organization}"
