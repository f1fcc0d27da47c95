from __future__ import annotations

from typing import Any

from django.db import models
from treebeard.mp_tree import MP_Node, MP_NodeManager


class OrgKind(models.TextChoices):
    CENTRAL = "CENTRAL", "中央"
    LOCAL_COMMITTEE = "LOCAL_COMMITTEE", "地方委员会"
    COMMITTEE = "COMMITTEE", "党委"
    WORKING_COMMITTEE = "WORKING_COMMITTEE", "党工委"
    GENERAL_BRANCH = "GENERAL_BRANCH", "党总支"
    BRANCH = "BRANCH", "党支部"
    JOINT_BRANCH = "JOINT_BRANCH", "联合党支部"
    TEMPORARY_BRANCH = "TEMPORARY_BRANCH", "临时党支部"


# The grassroots organizations (基层党组织) that members belong to and statistics count;
# leading bodies and working committees sit above them.
GRASSROOTS_KINDS = frozenset(
    {
        OrgKind.COMMITTEE,
        OrgKind.GENERAL_BRANCH,
        OrgKind.BRANCH,
        OrgKind.JOINT_BRANCH,
        OrgKind.TEMPORARY_BRANCH,
    }
)
BRANCH_KINDS = frozenset({OrgKind.BRANCH, OrgKind.JOINT_BRANCH, OrgKind.TEMPORARY_BRANCH})


class Sector(models.TextChoices):
    VILLAGE = "VILLAGE", "村"
    COMMUNITY = "COMMUNITY", "社区"
    AGENCY = "AGENCY", "机关"
    INSTITUTION = "INSTITUTION", "事业单位"
    STATE_ENTERPRISE = "STATE_ENTERPRISE", "国有企业"
    PRIVATE_ENTERPRISE = "PRIVATE_ENTERPRISE", "非公企业"
    SOCIAL_ORGANIZATION = "SOCIAL_ORGANIZATION", "社会组织"
    NEW_ECONOMY = "NEW_ECONOMY", "新就业群体"
    PROJECT = "PROJECT", "项目"
    BUILDING = "BUILDING", "楼宇"


class Organization(MP_Node):
    """A party organization (党组织): one tree from the national root down to the branches.

    The materialized path (treebeard, 4 characters a level) makes every subtree a range scan.
    The `subtree_*` columns are rollups kept by orgs.rollups: counts of a subtree read one row.
    """

    steplen = 4

    name = models.CharField("名称", max_length=200)
    kind = models.CharField("类型", max_length=20, choices=OrgKind.choices)
    sector = models.CharField("领域", max_length=20, choices=Sector.choices, blank=True)
    division = models.ForeignKey(
        "divisions.Division",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organizations",
        verbose_name="所在行政区划",
        db_constraint=False,
    )
    founded_on = models.DateField("成立日期", null=True, blank=True)
    dissolved_on = models.DateField("撤销日期", null=True, blank=True)

    member_count = models.PositiveIntegerField("党员数", default=0)
    full_member_count = models.PositiveIntegerField("正式党员数", default=0)
    subtree_member_count = models.PositiveIntegerField("下辖党员数", default=0)
    subtree_branch_count = models.PositiveIntegerField("下辖支部数", default=0)
    subtree_org_count = models.PositiveIntegerField("下辖基层党组织数", default=0)

    # treebeard's own manager, declared here so that its answers are typed as organizations
    objects = MP_NodeManager["Organization"]()

    class Meta:
        verbose_name = "党组织"
        verbose_name_plural = "党组织"
        indexes = [
            models.Index(fields=["name"]),
            # the children of an organization (one depth, its path range): without it the
            # national root's children are a scan of the whole tree's path range
            models.Index(fields=["depth", "path"], name="org_depth_path"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.dissolved_on is None

    @property
    def is_branch(self) -> bool:
        return self.kind in BRANCH_KINDS

    @property
    def is_grassroots(self) -> bool:
        return self.kind in GRASSROOTS_KINDS


class PartyGroup(models.Model):
    """党小组: a group of members inside a branch."""

    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="party_groups",
        verbose_name="党组织",
        db_index=False,  # the index unique (organization, name) serves it
    )
    name = models.CharField("名称", max_length=100)

    class Meta:
        verbose_name = "党小组"
        verbose_name_plural = "党小组"
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="party_group_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Post(models.TextChoices):
    SECRETARY = "SECRETARY", "书记"
    DEPUTY_SECRETARY = "DEPUTY_SECRETARY", "副书记"
    ORGANIZATION = "ORGANIZATION", "组织委员"
    PUBLICITY = "PUBLICITY", "宣传委员"
    DISCIPLINE = "DISCIPLINE", "纪检委员"
    MEMBER = "MEMBER", "委员"


class Committee(models.Model):
    """One term (届) of an organization's committee, or of its secretary where it has none.

    `path` is its organization's path, kept here so that the terms due under a large subtree
    are one index walk (term_due, path) with no join to the organizations: a province's count
    walked some 23,000 due terms of the nation, each joined to its organization (orgs.queries.
    terms_due; bench/RESULTS.md). It is written with the committee (save, or the seed's rows)
    and moved with its organization (services.move_organization); organizations never change
    path otherwise."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="committees", verbose_name="党组织"
    )
    path = models.CharField("党组织路径", max_length=255, default="", editable=False)
    term_start = models.DateField("本届开始")
    term_due = models.DateField("应换届日期", db_index=True)
    ended_on = models.DateField("届满/换届日期", null=True, blank=True)

    class Meta:
        verbose_name = "委员会（届）"
        verbose_name_plural = "委员会（届）"
        ordering = ["-term_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization"],
                condition=models.Q(ended_on__isnull=True),
                name="one_current_committee",
            )
        ]
        indexes = [
            models.Index(
                fields=["term_due", "path"],
                condition=models.Q(ended_on__isnull=True),
                name="committee_current_due",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization}（{self.term_start:%Y}年起）"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._state.adding and not self.path:
            self.path = self.organization.path
        super().save(*args, **kwargs)


class CommitteeSeat(models.Model):
    """A member's post on a committee."""

    committee = models.ForeignKey(
        Committee,
        on_delete=models.CASCADE,
        related_name="seats",
        verbose_name="委员会",
        db_index=False,  # the index unique (committee, member) serves it
    )
    member = models.ForeignKey(
        "members.Member",
        on_delete=models.PROTECT,
        related_name="committee_seats",
        verbose_name="党员",
    )
    post = models.CharField("职务", max_length=20, choices=Post.choices)

    class Meta:
        verbose_name = "委员"
        verbose_name_plural = "委员"
        constraints = [
            models.UniqueConstraint(fields=["committee", "member"], name="one_seat_per_member"),
            models.UniqueConstraint(
                fields=["committee"], condition=models.Q(post="SECRETARY"), name="one_secretary"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_post_display()} {self.member}"


class SelfGovernmentKind(models.TextChoices):
    VILLAGERS = "VILLAGERS", "村民委员会"
    RESIDENTS = "RESIDENTS", "居民委员会"


class SelfGovernmentPost(models.TextChoices):
    CHAIR = "CHAIR", "主任"
    VICE_CHAIR = "VICE_CHAIR", "副主任"
    MEMBER = "MEMBER", "委员"


class SelfGovernmentCommittee(models.Model):
    """One term of a village's villagers' committee (村民委员会) or a community's residents'
    committee (居民委员会): the other of the 两委 beside the party organization, elected by
    the villagers or residents, recorded here at the party organization of the village or
    community (orgs.self_government)."""

    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="self_government_committees",
        verbose_name="村（社区）党组织",
    )
    kind = models.CharField("类别", max_length=20, choices=SelfGovernmentKind.choices)
    term_start = models.DateField("本届开始")
    term_due = models.DateField("应换届日期", db_index=True)
    ended_on = models.DateField("届满/换届日期", null=True, blank=True)

    class Meta:
        verbose_name = "村（居）民委员会（届）"
        verbose_name_plural = "村（居）民委员会（届）"
        ordering = ["-term_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization"],
                condition=models.Q(ended_on__isnull=True),
                name="one_current_self_government_committee",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization}{self.get_kind_display()}（{self.term_start:%Y}年起）"


class SelfGovernmentSeat(models.Model):
    """A post on a villagers' or residents' committee. Its holder need not be a party member:
    `member` names them where they are one of the organization's members (书记、主任一肩挑)."""

    committee = models.ForeignKey(
        SelfGovernmentCommittee,
        on_delete=models.CASCADE,
        related_name="seats",
        verbose_name="委员会",
    )
    name = models.CharField("姓名", max_length=50)
    member = models.ForeignKey(
        "members.Member",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="self_government_seats",
        verbose_name="党员",
    )
    post = models.CharField("职务", max_length=20, choices=SelfGovernmentPost.choices)

    class Meta:
        verbose_name = "村（居）委会成员"
        verbose_name_plural = "村（居）委会成员"
        constraints = [
            models.UniqueConstraint(
                fields=["committee"], condition=models.Q(post="CHAIR"), name="one_chair"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_post_display()} {self.name}"
