"""组织关系转接 (Transfer: within the system, or out of it with a printed introduction letter)
and 流动党员 (MobileRegistration: a member away six months or more, registered with a branch
where they are). Their states and who acts at each step are data in transfers.workflow; every
change is made by transfers.services (transfers.mobility for registrations) with a conditional
UPDATE on the state it was checked from, and written down as a TransferStep."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from jiceng.core import clock


class TransferKind(models.TextChoices):
    WITHIN = "WITHIN", "系统内转接"
    LETTER = "LETTER", "开具介绍信转出"


class TransferState(models.TextChoices):
    SENT = "SENT", "待转出方党委审批"
    OUT_APPROVED = "OUT_APPROVED", "待接收方党委审批"
    IN_APPROVED = "IN_APPROVED", "待接收党组织确认"
    LETTER_ISSUED = "LETTER_ISSUED", "介绍信已开具，待回执"
    RETURNED = "RETURNED", "已退回"
    COMPLETED = "COMPLETED", "已完成"
    CANCELLED = "CANCELLED", "已撤销"


# A transfer the member's record waits on: at most one per member (constraint below).
OPEN_STATES = frozenset(
    {
        TransferState.SENT,
        TransferState.OUT_APPROVED,
        TransferState.IN_APPROVED,
        TransferState.LETTER_ISSUED,
        TransferState.RETURNED,
    }
)


class Transfer(models.Model):
    """One transfer of a member's organizational relation (组织关系转接).

    Within the system the member's record stays at `from_organization` until the receiving
    organization confirms; then members.lifecycle.move_organization moves it in one UPDATE.
    Out of the system (LETTER) the approval issues a numbered letter, and the receipt (回执)
    coming back closes it: the member becomes 已转出."""

    member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, related_name="transfers", verbose_name="党员"
    )
    kind = models.CharField("转接方式", max_length=10, choices=TransferKind.choices)
    state = models.CharField("状态", max_length=20, choices=TransferState.choices)
    from_organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="+", verbose_name="转出党组织"
    )
    to_organization = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="接收党组织",
    )
    destination = models.CharField("接收单位（系统外）", max_length=200, blank=True)
    # The approving committees (transfers.workflow.approver_of), fixed when it is started.
    out_approver = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="转出方审批党组织",
    )
    in_approver = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="接收方审批党组织",
    )
    reason = models.CharField("转接原因", max_length=200)
    leaves_on = models.DateField("转出日期")
    arrived_on = models.DateField("转入日期", null=True, blank=True)
    returned_reason = models.CharField("退回原因", max_length=200, blank=True)
    started_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="发起人",
    )
    started_at = models.DateTimeField("发起时间", default=clock.now)
    updated_at = models.DateTimeField("更新时间", default=clock.now)
    # The introduction letter (介绍信, out of the system): numbered per issuer and year.
    letter_issuer = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="开具介绍信的党组织",
    )
    letter_year = models.PositiveIntegerField("介绍信年度", null=True, blank=True)
    letter_number = models.PositiveIntegerField("介绍信编号", null=True, blank=True)
    letter_token = models.CharField(
        "核验码", max_length=40, null=True, blank=True, unique=True, editable=False
    )
    letter_issued_on = models.DateField("开具日期", null=True, blank=True)
    letter_valid_until = models.DateField("有效期至", null=True, blank=True)
    dues_paid_to = models.DateField("党费交至", null=True, blank=True)
    receipt_due = models.DateField("回执应收回日期", null=True, blank=True, db_index=True)
    receipt_on = models.DateField("回执收回日期", null=True, blank=True)
    chased_at = models.DateTimeField("催收时间", null=True, blank=True)

    class Meta:
        verbose_name = "组织关系转接"
        verbose_name_plural = "组织关系转接"
        indexes = [
            models.Index(fields=["from_organization", "state"]),
            models.Index(fields=["to_organization", "state"]),
            models.Index(fields=["out_approver", "state"]),
            models.Index(fields=["in_approver", "state"]),
        ]
        constraints = [
            # A member's record waits on one transfer at a time: it is never sent two ways.
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(state__in=sorted(s.value for s in OPEN_STATES)),
                name="transfers_one_open_per_member",
            ),
            models.UniqueConstraint(
                fields=["letter_issuer", "letter_year", "letter_number"],
                name="transfers_letter_number_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.get_kind_display()} {self.get_state_display()}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def letter_label(self) -> str:
        """介绍信编号 as printed: （2026）第0012号."""
        if self.letter_number is None:
            return ""
        return f"（{self.letter_year}）第{self.letter_number:04d}号"

    @property
    def receiver_name(self) -> str:
        return self.to_organization.name if self.to_organization else self.destination


class StepAction(models.TextChoices):
    START = "START", "发起转接"
    APPROVE_OUT = "APPROVE_OUT", "转出方党委审批同意"
    APPROVE_IN = "APPROVE_IN", "接收方党委审批同意"
    CONFIRM = "CONFIRM", "接收党组织确认转入"
    RETURN = "RETURN", "退回"
    RESUBMIT = "RESUBMIT", "重新提交"
    CANCEL = "CANCEL", "撤销"
    RECORD_RECEIPT = "RECORD_RECEIPT", "回执已收回"
    CHASE = "CHASE", "回执逾期催收"


class TransferStep(models.Model):
    """One step of a transfer, as it was taken: the transfer's history, never changed."""

    transfer = models.ForeignKey(
        Transfer, on_delete=models.CASCADE, related_name="steps", verbose_name="转接"
    )
    action = models.CharField("办理事项", max_length=20, choices=StepAction.choices)
    from_state = models.CharField("原状态", max_length=20, choices=TransferState.choices)
    to_state = models.CharField("新状态", max_length=20, choices=TransferState.choices)
    note = models.CharField("说明", max_length=200, blank=True)
    by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="办理人",
    )
    at = models.DateTimeField("办理时间", default=clock.now)

    class Meta:
        verbose_name = "转接办理记录"
        verbose_name_plural = "转接办理记录"
        indexes = [models.Index(fields=["transfer", "at"])]

    def __str__(self) -> str:
        return f"{self.transfer_id} {self.action}"


class MobileState(models.TextChoices):
    PENDING = "PENDING", "待流入地党组织接收"
    ACTIVE = "ACTIVE", "在流入地登记"
    DECLINED = "DECLINED", "流入地未接收"
    ENDED = "ENDED", "已结束"


CURRENT_MOBILE_STATES = frozenset({MobileState.PENDING, MobileState.ACTIVE})


class MobileRegistration(models.Model):
    """流动党员: a member away from home six months or more, registered with a grassroots
    organization where they are (流入地). The record stays at home; the host sees the
    member's meetings (accounts.scoping, GrantKind.MOBILE_MEMBER) and the host's meetings
    expect the member (orglife.scheduling.expected_members)."""

    member = models.ForeignKey(
        "members.Member",
        on_delete=models.PROTECT,
        related_name="mobile_registrations",
        verbose_name="党员",
    )
    home = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="+", verbose_name="流出地党组织"
    )
    host = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="+", verbose_name="流入地党组织"
    )
    state = models.CharField("状态", max_length=10, choices=MobileState.choices)
    starts_on = models.DateField("外出日期")
    ends_on = models.DateField("预计返回日期", null=True, blank=True)
    place = models.CharField("外出地点", max_length=200)
    contact = models.CharField("流入地联系人", max_length=100, blank=True)
    note = models.CharField("说明", max_length=200, blank=True)
    started_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="登记人",
    )
    started_at = models.DateTimeField("登记时间", default=clock.now)
    accepted_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="接收人",
    )
    accepted_at = models.DateTimeField("接收时间", null=True, blank=True)
    ended_on = models.DateField("结束日期", null=True, blank=True)

    class Meta:
        verbose_name = "流动党员登记"
        verbose_name_plural = "流动党员登记"
        indexes = [
            models.Index(fields=["host", "state"]),
            models.Index(fields=["home", "state"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(state__in=sorted(s.value for s in CURRENT_MOBILE_STATES)),
                name="transfers_one_current_mobile_registration",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} → {self.host_id}"
