"""Responsibility posts (党员责任岗 / 党员示范岗): posts in a community or a workplace, each
held by a member, with its duty and the sign it shows. Its public page (no sign-in), which
the QR code on the post leads to, is found by `key`, never by the row's id."""

from __future__ import annotations

from django.db import models


class PostKind(models.TextChoices):
    RESPONSIBILITY = "RESPONSIBILITY", "党员责任岗"
    MODEL = "MODEL", "党员示范岗"


class ResponsibilityPost(models.Model):
    organization = models.ForeignKey(
        "orgs.Organization",
        verbose_name="设岗党组织",
        on_delete=models.PROTECT,
        related_name="responsibility_posts",
    )
    kind = models.CharField("类别", max_length=16, choices=PostKind.choices)
    name = models.CharField("岗位名称", max_length=60)
    place = models.CharField("岗位位置", max_length=120, blank=True)
    duty = models.CharField("岗位职责", max_length=500)
    sign = models.CharField("岗位承诺", max_length=100)
    holder = models.ForeignKey(
        "members.Member",
        verbose_name="岗位党员",
        on_delete=models.PROTECT,
        related_name="responsibility_posts",
    )
    key = models.CharField("公开页标识", max_length=24, unique=True)
    is_active = models.BooleanField("在岗", default=True)
    created_at = models.DateTimeField("设岗时间")
    updated_at = models.DateTimeField("修改时间")

    class Meta:
        ordering = ["organization", "kind", "name"]
        verbose_name = "党员责任岗"
        verbose_name_plural = "党员责任岗"
        indexes = [models.Index(fields=["organization", "is_active"], name="post_org_active")]

    def __str__(self) -> str:
        return self.name
