from __future__ import annotations

from django.db import models
from django.db.models import F, Q

from jiceng.core import clock, masking


class Gender(models.TextChoices):
    MALE = "M", "男"
    FEMALE = "F", "女"


class MemberStatus(models.TextChoices):
    PROBATIONARY = "PROBATIONARY", "预备党员"
    FULL = "FULL", "正式党员"
    LOST_CONTACT = "LOST_CONTACT", "失联党员"
    SUSPENDED = "SUSPENDED", "停止党籍"
    TRANSFERRED_OUT = "TRANSFERRED_OUT", "已转出"
    DECEASED = "DECEASED", "已去世"
    EXPELLED = "EXPELLED", "开除党籍"
    REMOVED = "REMOVED", "除名/退党"


# Members that an organization counts as its own (the roster); the rest are kept as history.
ACTIVE_STATUSES = frozenset(
    {
        MemberStatus.PROBATIONARY,
        MemberStatus.FULL,
        MemberStatus.LOST_CONTACT,
        MemberStatus.SUSPENDED,
    }
)


class StatusMove(models.TextChoices):
    """The ways a member's status changes (members.workflow says from where to where)."""

    REGISTER = "REGISTER", "登记入册"
    ADMIT = "ADMIT", "接收为预备党员"
    BECOME_FULL = "BECOME_FULL", "转为正式党员"
    EXTEND_PROBATION = "EXTEND_PROBATION", "延长预备期"
    DISQUALIFY = "DISQUALIFY", "取消预备党员资格"
    LOSE_CONTACT = "LOSE_CONTACT", "失去联系"
    RESTORE_CONTACT = "RESTORE_CONTACT", "恢复联系"
    SUSPEND = "SUSPEND", "停止党籍"
    REINSTATE = "REINSTATE", "恢复党籍"
    REMOVE = "REMOVE", "除名"
    RESIGN = "RESIGN", "退党"
    EXPEL = "EXPEL", "开除党籍"
    DIE = "DIE", "去世"
    TRANSFER = "TRANSFER", "组织关系转接"
    TRANSFER_OUT = "TRANSFER_OUT", "转出"
    TRANSFER_IN = "TRANSFER_IN", "转入"
    CORRECT = "CORRECT", "更正党籍状态"


class Category(models.TextChoices):
    EMPLOYED = "EMPLOYED", "在岗职工"
    RETIRED = "RETIRED", "离退休人员"
    STUDENT = "STUDENT", "学生"
    FARMER = "FARMER", "农牧渔民"
    UNEMPLOYED = "UNEMPLOYED", "无固定职业"


class Education(models.TextChoices):
    POSTGRADUATE = "POSTGRADUATE", "研究生"
    BACHELOR = "BACHELOR", "大学本科"
    COLLEGE = "COLLEGE", "大学专科"
    SECONDARY = "SECONDARY", "中专/高中"
    JUNIOR = "JUNIOR", "初中及以下"


class Member(models.Model):
    """A party member (党员) as the branch's roster keeps them.

    The ID and phone numbers are never stored in the clear: `*_sealed` holds SM4-GCM ciphertext,
    `*_digest` the HMAC-SM3 blind index for exact lookup, `*_masked` what lists and exports show.
    Only members.services writes them (through core.crypto).
    """

    name = models.CharField("姓名", max_length=50, db_index=True)
    gender = models.CharField("性别", max_length=1, choices=Gender.choices)
    ethnicity = models.CharField("民族", max_length=10, default="汉族")
    birth_date = models.DateField("出生日期")
    id_number_sealed = models.BinaryField("身份证号（密文）")
    # Unique through Meta.constraints (member_id_number_unique), not unique=True: see there.
    id_number_digest = models.BinaryField("身份证号索引", max_length=16)
    id_number_masked = models.CharField("身份证号", max_length=18)
    phone_sealed = models.BinaryField("手机号（密文）", null=True, blank=True)
    phone_digest = models.BinaryField("手机号索引", max_length=16, null=True, db_index=True)
    phone_masked = models.CharField("手机号", max_length=11, blank=True)
    education = models.CharField("学历", max_length=20, choices=Education.choices, blank=True)
    category = models.CharField("人员类别", max_length=20, choices=Category.choices)
    joined_on = models.DateField("入党日期")
    full_member_on = models.DateField("转正日期", null=True, blank=True)
    # 延长预备期: once, by six to twelve months (members.lifecycle.extend_probation).
    probation_extended_months = models.PositiveSmallIntegerField("延长预备期（月）", default=0)
    status = models.CharField("党籍状态", max_length=20, choices=MemberStatus.choices)
    organization = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="members",
        verbose_name="所在党组织",
        # kept beside (organization, status): PostgreSQL probes it for a subtree's members,
        # and without it planned a scan of all of them (a province's member list at scale 1)
    )
    party_group = models.ForeignKey(
        "orgs.PartyGroup",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
        verbose_name="党小组",
    )
    is_mobile = models.BooleanField("流动党员", default=False)
    work_place = models.CharField("现工作地点", max_length=200, blank=True)
    residential_division = models.ForeignKey(
        "divisions.Division",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="居住社区",
        db_constraint=False,
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "党员"
        verbose_name_plural = "党员"
        indexes = [
            models.Index(fields=["organization", "status"]),
            # The few whose lost contact or suspension runs its time (members.queries
            # .standing_due): a national department reads these, not its millions of members.
            # The status leads: an equality the planner takes (a partial index led by the
            # organization was passed over for a scan of the full one above).
            models.Index(
                fields=["status", "organization"],
                name="member_lost_contact",
                condition=Q(status="LOST_CONTACT"),
            ),
            models.Index(
                fields=["status", "organization"],
                name="member_suspended",
                condition=Q(status="SUSPENDED"),
            ),
        ]
        constraints = [
            # One member per ID number. Written over the column as an expression, so that both
            # databases keep it as an index of its own (CREATE UNIQUE INDEX): the bulk writer
            # drops it for a national load and builds it once at the end from sorted keys, where
            # a column's UNIQUE (part of SQLite's table, never dropped) took a random insert per
            # row and halved the scale-1 seed past 30 million members. A duplicate still fails,
            # at the latest when the index is built, and with it the load (one transaction).
            models.UniqueConstraint(
                F("id_number_digest"),
                name="member_id_number_unique",
                violation_error_message="该身份证号已登记为党员",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    # What pages, the API and exports show of the dates that tell the birth date, to everyone
    # (core.masking: the birth year, and the dates the rules tie to it).
    @property
    def birth_year(self) -> int:
        return masking.birth_year(self.birth_date)

    @property
    def joined_on_shown(self) -> str:
        return masking.date_beside_birth_year(self.joined_on, birth_year=self.birth_year)

    @property
    def full_member_on_shown(self) -> str:
        if self.full_member_on is None:
            return ""
        return masking.date_beside_birth_year(self.full_member_on, birth_year=self.birth_year)


class MemberEvent(models.Model):
    """One change of a member's status (党籍状态), as members.workflow allowed it: the timeline
    of the member's page. Written by members.lifecycle only, never changed afterwards."""

    member = models.ForeignKey(
        Member,
        on_delete=models.CASCADE,
        related_name="events",
        verbose_name="党员",
        db_index=False,  # the index (member, on) serves it
    )
    move = models.CharField("变动", max_length=30, choices=StatusMove.choices)
    from_status = models.CharField("原党籍状态", max_length=20, choices=MemberStatus.choices)
    to_status = models.CharField("新党籍状态", max_length=20, choices=MemberStatus.choices)
    on = models.DateField("发生日期")
    reason = models.CharField("原因/说明", max_length=200, blank=True)
    # The body that decided and its document (e.g. "某某党委 某组字〔2026〕3号"), where the move
    # is a decision (转正, 停止党籍, 开除党籍 ...).
    decision = models.CharField("决定机关及文号", max_length=200, blank=True)
    # A move of the record between organizations (组织关系转接): where from and where to.
    from_organization = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="转出组织",
    )
    to_organization = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="转入组织",
    )
    by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="录入人",
    )
    recorded_at = models.DateTimeField("录入时间", default=clock.now, editable=False)

    class Meta:
        verbose_name = "党籍变动"
        verbose_name_plural = "党籍变动"
        indexes = [models.Index(fields=["member", "on"])]

    def __str__(self) -> str:
        return f"{self.member_id} {self.move} {self.from_status}→{self.to_status}"
