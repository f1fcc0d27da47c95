"""发展党员: the people a branch is developing into members, one row per recorded step, the time
rules a provincial department tightens for its subtree, and the yearly plan (发展计划).

The 25 steps and the national time rules are data in development.rules (pure); only what a
department adds (a stricter rule for its subtree) and what a branch records are rows here."""

from __future__ import annotations

from django.db import models

from jiceng.core import clock, masking
from jiceng.members.models import Category, Education


class Stage(models.TextChoices):
    """The five stages of the 2014 detailed rules (《中国共产党发展党员工作细则》)."""

    APPLICATION = "APPLICATION", "申请入党"
    ACTIVIST = "ACTIVIST", "入党积极分子的确定和教育培养"
    CANDIDATE = "CANDIDATE", "发展对象的确定和考察"
    ADMISSION = "ADMISSION", "预备党员的接收"
    PROBATION = "PROBATION", "预备党员的教育考察和转正"


class Standing(models.TextChoices):
    """Who the person is now, as the pipeline groups them."""

    APPLICANT = "APPLICANT", "入党申请人"
    ACTIVIST = "ACTIVIST", "入党积极分子"
    CANDIDATE = "CANDIDATE", "发展对象"
    PROBATIONARY = "PROBATIONARY", "预备党员"
    FULL = "FULL", "正式党员"


class Step(models.TextChoices):
    """The 25 steps, in their order (rules.STEPS says stage, deciding body and what each needs)."""

    APPLY = "APPLY", "递交入党申请书"
    TALK = "TALK", "党组织派人谈话"
    ACTIVIST = "ACTIVIST", "推荐和确定入党积极分子"
    ACTIVIST_FILED = "ACTIVIST_FILED", "报上级党委备案（积极分子）"
    CONTACTS = "CONTACTS", "指定培养联系人"
    EDUCATION = "EDUCATION", "培养教育考察"
    CANDIDATE = "CANDIDATE", "确定发展对象"
    CANDIDATE_FILED = "CANDIDATE_FILED", "报上级党委备案（发展对象）"
    INTRODUCERS = "INTRODUCERS", "确定入党介绍人"
    POLITICAL_REVIEW = "POLITICAL_REVIEW", "进行政治审查"
    TRAINING = "TRAINING", "开展集中培训"
    COMMITTEE_REVIEW = "COMMITTEE_REVIEW", "支部委员会审查"
    PRE_REVIEW = "PRE_REVIEW", "上级党委预审"
    APPLICATION_FORM = "APPLICATION_FORM", "填写入党志愿书"
    ADMISSION_MEETING = "ADMISSION_MEETING", "支部大会讨论（接收预备党员）"
    ADMISSION_TALK = "ADMISSION_TALK", "上级党委派人谈话"
    ADMISSION_APPROVAL = "ADMISSION_APPROVAL", "上级党委审批（接收预备党员）"
    ADMISSION_FILED = "ADMISSION_FILED", "再上一级党组织备案"
    GROUPED = "GROUPED", "编入党支部和党小组"
    OATH = "OATH", "入党宣誓"
    PROBATION_EDUCATION = "PROBATION_EDUCATION", "继续教育考察"
    FULL_APPLICATION = "FULL_APPLICATION", "提出转正申请"
    FULL_MEETING = "FULL_MEETING", "支部大会讨论（转正）"
    FULL_APPROVAL = "FULL_APPROVAL", "上级党委审批（转正）"
    ARCHIVED = "ARCHIVED", "材料归档"


class Body(models.TextChoices):
    """Who decides or does a step (决定/办理主体)."""

    APPLICANT = "APPLICANT", "本人"
    BRANCH = "BRANCH", "党支部"
    BRANCH_COMMITTEE = "BRANCH_COMMITTEE", "支部委员会"
    GENERAL_MEETING = "GENERAL_MEETING", "支部党员大会"
    HIGHER_COMMITTEE = "HIGHER_COMMITTEE", "上级党委"
    NEXT_HIGHER = "NEXT_HIGHER", "再上一级党组织"


class Outcome(models.TextChoices):
    """What a deciding step decided; blank for a step that only records that it happened."""

    APPROVED = "APPROVED", "同意"
    REJECTED = "REJECTED", "不同意"
    FULL = "FULL", "按期转为正式党员"
    EXTEND = "EXTEND", "延长预备期"
    DISQUALIFY = "DISQUALIFY", "取消预备党员资格"


class CaseStatus(models.TextChoices):
    OPEN = "OPEN", "培养中"
    DONE = "DONE", "已完成"
    CLOSED = "CLOSED", "已终止"
    # the member's organizational relation went out of this instance (to another province
    # instance, or out of the system by a letter): the receiving side carries on (CaseMove)
    MOVED_OUT = "MOVED_OUT", "已转出，由接收方继续考察"


class Applicant(models.Model):
    """A person on the way to membership (入党申请人 → 积极分子 → 发展对象 → 预备党员 → 正式党员),
    from the application to the archived file.

    ID and phone numbers are kept as members.services keeps a member's (sealed, blind index,
    masked); only development.services writes them. `last_step` and `status` change by a
    conditional UPDATE on their old values (services.record_step), so two secretaries recording
    the same step at once: one wins. `next_due_on` is the deadline of the next step by the time
    rules (rules.next_due), kept on the row so the late cases are one indexed range."""

    name = models.CharField("姓名", max_length=50)
    gender = models.CharField("性别", max_length=1, choices=[("M", "男"), ("F", "女")])
    ethnicity = models.CharField("民族", max_length=10, default="汉族")
    birth_date = models.DateField("出生日期")
    id_number_sealed = models.BinaryField("身份证号（密文）")
    id_number_digest = models.BinaryField("身份证号索引", max_length=16, db_index=True)
    id_number_masked = models.CharField("身份证号", max_length=18)
    phone_sealed = models.BinaryField("手机号（密文）", null=True, blank=True)
    phone_digest = models.BinaryField("手机号索引", max_length=16, null=True, blank=True)
    phone_masked = models.CharField("手机号", max_length=11, blank=True)
    education = models.CharField("学历", max_length=20, choices=Education.choices, blank=True)
    category = models.CharField("人员类别", max_length=20, choices=Category.choices)
    work_place = models.CharField("工作单位及职务", max_length=200, blank=True)
    organization = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="applicants",
        verbose_name="所在党支部",
        db_index=False,  # the index (organization, status, standing, next_due_on) serves it
    )
    applied_on = models.DateField("递交入党申请书日期")
    last_step = models.CharField("已完成步骤", max_length=30, choices=Step.choices)
    stage = models.CharField("阶段", max_length=20, choices=Stage.choices)
    standing = models.CharField("身份", max_length=20, choices=Standing.choices)
    status = models.CharField(
        "状态", max_length=10, choices=CaseStatus.choices, default=CaseStatus.OPEN
    )
    next_due_on = models.DateField("下一步截止日期", null=True, blank=True)
    extended_months = models.PositiveSmallIntegerField("延长预备期（月）", default=0)
    member = models.OneToOneField(
        "members.Member",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="development",
        verbose_name="党员档案",
    )
    created_at = models.DateTimeField("登记时间", default=clock.now, editable=False)

    class Meta:
        verbose_name = "发展党员对象"
        verbose_name_plural = "发展党员对象"
        indexes = [
            # holds every column the pipeline counts (queries.pipeline_by_branch)
            models.Index(fields=["organization", "status", "standing", "next_due_on"]),
            models.Index(fields=["status", "next_due_on"]),
            # the cases waiting for a committee's decision, by deadline (queries
            # .awaiting_approval)
            models.Index(fields=["status", "last_step", "next_due_on"], name="applicant_waiting"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def birth_year(self) -> int:
        return masking.birth_year(self.birth_date)


class StepRecord(models.Model):
    """One recorded step of an applicant's file: its date, deciding body and decision, and what
    the step needs (introducers, contacts, training hours, votes). Written by
    development.services.record_step only, never changed: the file's timeline and the source
    of every printed form. A step recorded again after an extended probation has round 2."""

    applicant = models.ForeignKey(
        Applicant,
        on_delete=models.CASCADE,
        related_name="steps",
        verbose_name="发展党员对象",
        db_index=False,  # the index unique (applicant, step, round) serves it
    )
    step = models.CharField("步骤", max_length=30, choices=Step.choices)
    round = models.PositiveSmallIntegerField("次序", default=1)
    done_on = models.DateField("日期")
    body = models.CharField("决定/办理主体", max_length=20, choices=Body.choices)
    decided_by = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="审批党组织",
    )
    decision = models.CharField("决定、结论或文号", max_length=500, blank=True)
    outcome = models.CharField("结果", max_length=20, choices=Outcome.choices, blank=True)
    people = models.ManyToManyField(
        "members.Member", blank=True, related_name="+", verbose_name="介绍人/培养联系人"
    )
    hours = models.PositiveSmallIntegerField("培训学时", null=True, blank=True)
    days = models.PositiveSmallIntegerField("培训天数", null=True, blank=True)
    votes_for = models.PositiveSmallIntegerField("赞成票", null=True, blank=True)
    voters = models.PositiveSmallIntegerField("有表决权的正式党员数", null=True, blank=True)
    document_number = models.CharField("入党志愿书编号", max_length=40, blank=True)
    months = models.PositiveSmallIntegerField("延长预备期（月）", null=True, blank=True)
    recorded_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="录入人",
    )
    recorded_at = models.DateTimeField("录入时间", default=clock.now, editable=False)
    # A step done in another province instance and carried here with the member's transfer
    # (development.carrying; who did it: the applicant's CarriedFile): its deciding
    # organization and its people are names there, not rows here. A flag rather than a key
    # to the file: the column is added to a large table without an index build.
    is_carried = models.BooleanField("转出方办理", default=False)
    decided_by_name = models.CharField(
        "审批党组织（转出方）", max_length=200, default="", blank=True
    )
    people_names = models.CharField(
        "介绍人/培养联系人（转出方）", max_length=100, default="", blank=True
    )
    # The branch that held the file when the step was taken, written once when the file
    # follows its member to another branch (development.following; a CaseMove says when and
    # through which transfer); blank: the applicant's branch. Without an index: read by the
    # applicant's page and the tallies' rebuild, never searched by.
    branch = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        verbose_name="办理党支部（转接前）",
    )

    class Meta:
        verbose_name = "发展党员步骤"
        verbose_name_plural = "发展党员步骤"
        constraints = [
            models.UniqueConstraint(
                fields=["applicant", "step", "round"], name="one_record_per_step"
            )
        ]
        indexes = [models.Index(fields=["step", "outcome", "done_on"])]

    def __str__(self) -> str:
        return f"{self.applicant_id} {self.step} {self.done_on}"

    @property
    def decider_name(self) -> str:
        """The deciding organization's name, here or (a carried step) where it was done."""
        return self.decided_by.name if self.decided_by is not None else self.decided_by_name

    @property
    def names(self) -> str:
        """The introducers or contacts the step names (read from the prefetched people)."""
        if self.people_names:
            return self.people_names
        # in the order they were registered (the prefetch has none: PostgreSQL returns any)
        return "、".join(p.name for p in sorted(self.people.all(), key=lambda p: p.pk))


class CarriedFile(models.Model):
    """随转发展档案: the development file of a probationary member (预备党员) that came with
    their transfer from another province instance; the steps done there are the applicant's
    step records that name this row. The receiving branch carries on the probation and takes
    the 转正 steps here (development.carrying). Its steps are the applicant's with is_carried."""

    applicant = models.OneToOneField(
        Applicant, on_delete=models.CASCADE, related_name="carried", verbose_name="发展党员对象"
    )
    province_code = models.CharField("转出实例（省级行政区划代码）", max_length=12)
    organization_name = models.CharField("培养发展的党组织（转出方）", max_length=200)
    from_organization_name = models.CharField("转出党组织", max_length=200)
    letter = models.CharField("介绍信编号", max_length=40, blank=True)
    arrived_on = models.DateField("转入日期")
    recorded_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="接收人",
    )
    recorded_at = models.DateTimeField("转入时间", default=clock.now, editable=False)

    class Meta:
        verbose_name = "随转发展档案"
        verbose_name_plural = "随转发展档案"

    def __str__(self) -> str:
        return f"{self.applicant_id} ← {self.province_code}"


class CaseMove(models.Model):
    """发展档案随组织关系转接: the file followed its member's transfer of organizational
    relation (development.following). Within this instance the case moved to the receiving
    branch, which carries on the probation and decides 转正 (`to_organization`); out of it
    (another province instance, or a letter out of the system) the case here is closed as
    CaseStatus.MOVED_OUT and the receiving side carries on (`destination`). The steps done
    before keep the branch that did them (StepRecord.branch); the admission stays counted
    where it was approved (AdmissionTally)."""

    applicant = models.ForeignKey(
        Applicant, on_delete=models.CASCADE, related_name="moves", verbose_name="发展党员对象"
    )
    transfer = models.ForeignKey(
        "transfers.Transfer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="组织关系转接",
    )
    from_organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="+", verbose_name="转出党支部"
    )
    to_organization = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="接收党支部（本实例）",
    )
    destination = models.CharField("接收单位（本实例之外）", max_length=200, blank=True)
    moved_on = models.DateField("转接日期")
    recorded_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="办理人",
    )
    recorded_at = models.DateTimeField("记录时间", default=clock.now, editable=False)

    class Meta:
        verbose_name = "发展档案随转接"
        verbose_name_plural = "发展档案随转接"

    def __str__(self) -> str:
        return f"{self.applicant_id} {self.from_organization_id} → {self.to_organization_id}"

    @property
    def receiver_name(self) -> str:
        return self.to_organization.name if self.to_organization else self.destination


class RuleKind(models.TextChoices):
    MIN = "MIN", "不早于"  # refused if earlier
    MAX = "MAX", "不晚于"  # refused if later
    DUE = "DUE", "应在期限内完成"  # late (on the workbench) if later, not refused


class Unit(models.TextChoices):
    DAY = "DAY", "天"
    MONTH = "MONTH", "个月"


class TimeRule(models.Model):
    """A time rule a department adds for its subtree (省委组织部 may tighten the national
    one): from one step (blank: the birth date) to another, at least or at most so long.
    The national rules are development.rules.NATIONAL_TIME_RULES; the strictest rule that
    covers a branch applies (rules.strictest), so a looser row changes nothing."""

    organization = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.CASCADE,
        related_name="development_time_rules",
        verbose_name="适用党组织（含下级）",
    )
    from_step = models.CharField("起始步骤", max_length=30, choices=Step.choices, blank=True)
    to_step = models.CharField("目标步骤", max_length=30, choices=Step.choices)
    kind = models.CharField("类型", max_length=10, choices=RuleKind.choices)
    amount = models.PositiveSmallIntegerField("时长")
    unit = models.CharField("单位", max_length=10, choices=Unit.choices)
    text = models.CharField("规定原文", max_length=300)

    class Meta:
        verbose_name = "发展党员时间规定"
        verbose_name_plural = "发展党员时间规定"

    def __str__(self) -> str:
        return self.text


class DevelopmentPlan(models.Model):
    """发展计划: how many new members a subtree plans to admit in a year."""

    organization = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.CASCADE,
        related_name="development_plans",
        verbose_name="党组织",
    )
    year = models.PositiveSmallIntegerField("年度")
    planned = models.PositiveIntegerField("计划发展人数")
    set_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    set_at = models.DateTimeField("设置时间", default=clock.now)

    class Meta:
        verbose_name = "发展计划"
        verbose_name_plural = "发展计划"
        constraints = [
            models.UniqueConstraint(fields=["organization", "year"], name="one_plan_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.year}: {self.planned}"


class AdmissionTally(models.Model):
    """接收预备党员: the admissions approved in a year, summed over an organization's whole subtree
    (itself and everything below), so the plan's progress at any level reads one row. Kept by
    development.services (each approval adds one to the applicant's branch and its ancestors)
    and rebuilt from the step records by development.tallies.rebuild (the seed, a migration). A
    move of an organization moves its rows' sums from the old ancestors to the new ones in the
    move's transaction (tallies.follow_move, on orgs.signals.organization_moved)."""

    organization = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name="党组织",
        db_index=False,  # the unique (organization, year) index leads with it
    )
    year = models.PositiveSmallIntegerField("年度")
    admitted = models.PositiveIntegerField("接收预备党员", default=0)

    class Meta:
        verbose_name = "接收预备党员数（含下级）"
        verbose_name_plural = "接收预备党员数（含下级）"
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "year"], name="development_tally_org_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.year}: {self.admitted}"
