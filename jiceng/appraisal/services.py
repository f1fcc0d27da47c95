"""Writes of appraisal: a department adopts a checklist for its subtree, a branch assesses the
items the records cannot answer (with evidence where the item asks), the higher committee
reviews them, and model organizations are nominated and named. Each write re-scores what it
changed; the yearly computation is scoring.compute_year."""

from __future__ import annotations

import uuid

from django.core.files.base import ContentFile, File
from django.db import IntegrityError, transaction

from jiceng.accounts.models import User
from jiceng.core import clock
from jiceng.core.errors import Conflict, InvalidInput, not_found
from jiceng.orgs.models import Organization

from . import rules, scoring
from .access import check_may_assess, check_may_review, department_paths
from .models import (
    ChecklistItem,
    ChecklistVersion,
    ModelOrganization,
    Nomination,
    Review,
    SelfAssessment,
    StandardizationChecklist,
)


@transaction.atomic
def adopt_version(
    *,
    organization: Organization,
    year: int,
    name: str,
    items: list[rules.ItemSpec],
    five_star_cap_percent: int,
    by: User,
) -> ChecklistVersion:
    """A department's own checklist of a year for its subtree (the nearest one applies)."""
    if organization.path not in department_paths(by):
        raise InvalidInput(
            "只有组织部门可以为本辖区制定评分表", fields={"organization": "不是您所在的组织部门"}
        )
    errors = rules.check_items(items)
    if not 0 <= five_star_cap_percent <= 100:
        errors["five_star_cap_percent"] = "五星级比例上限应在0到100之间"
    if not name.strip():
        errors["name"] = "请填写评分表名称"
    if errors:
        raise InvalidInput(next(iter(errors.values())), fields=errors)
    if ChecklistVersion.objects.filter(year=year, organization=organization).exists():
        raise Conflict(f"{year}年度本辖区已有评分表")
    version = ChecklistVersion.objects.create(
        year=year,
        organization=organization,
        name=name.strip()[:100],
        five_star_cap_percent=five_star_cap_percent,
        created_at=clock.now(),
    )
    ChecklistItem.objects.bulk_create(
        ChecklistItem(
            version=version,
            order=number,
            text=spec.text.strip()[:200],
            weight=spec.weight,
            source=spec.source,
            evidence_required=spec.evidence_required,
        )
        for number, spec in enumerate(items, start=1)
    )
    return version


def _checked_evidence(upload: File[bytes]) -> tuple[bytes, str, str]:
    size = int(upload.size or 0)
    if size > rules.EVIDENCE_MAX_BYTES:
        raise InvalidInput(
            f"佐证材料不能超过{rules.EVIDENCE_MAX_BYTES // 1024 // 1024}MB",
            fields={"evidence": "文件过大"},
        )
    upload.seek(0)
    whole = upload.read()
    found = rules.evidence_type(whole[:16], whole) if whole else None
    if found is None:
        raise InvalidInput(
            "佐证材料只能是图片（JPEG、PNG、WebP）或文档（PDF、Word、Excel、PowerPoint）",
            fields={"evidence": "不是文档或图片"},
        )
    return whole, found[0], found[1]


def assess_item(
    *,
    organization: Organization,
    item: ChecklistItem,
    self_points: int,
    note: str = "",
    evidence: File[bytes] | None = None,
    by: User,
) -> SelfAssessment:
    """A branch's self-assessment of one item (自评): only an item the records cannot answer;
    evidence where the item asks for it (kept from an earlier submission if none comes). A new
    submission goes back to the higher committee for review."""
    check_may_assess(by, organization)
    version = scoring.Versions(item.version.year).for_path(organization.path)
    if item.version_id != version.pk:
        raise not_found("评分项")
    if item.from_records:
        raise InvalidInput(
            "此项由平台记录自动评分，无需自评", fields={"self_points": "由记录自动评分"}
        )
    if not 0 <= self_points <= item.weight:
        raise InvalidInput(
            f"自评分应在0到{item.weight}分之间", fields={"self_points": f"最高{item.weight}分"}
        )
    content = _checked_evidence(evidence) if evidence is not None else None
    with transaction.atomic():
        found = (
            SelfAssessment.objects.select_for_update()
            .filter(organization=organization, item=item)
            .first()
        )
        if item.evidence_required and content is None and not (found and found.evidence):
            raise InvalidInput("此项须上传佐证材料", fields={"evidence": "请上传佐证材料"})
        assessment = found or SelfAssessment(organization=organization, item=item)
        assessment.self_points = self_points
        assessment.note = " ".join(note.split())[:500]
        assessment.status = Review.PENDING
        assessment.reviewed_points = None
        assessment.reviewed_at = None
        assessment.reviewed_by = None
        assessment.assessed_at = clock.now()
        assessment.assessed_by = by
        if content is not None:
            data, content_type, extension = content
            assessment.evidence_type = content_type
            assessment.evidence.save(
                f"{uuid.uuid4().hex}.{extension}", ContentFile(data), save=False
            )
        assessment.save()
        scoring.compute_one(organization, item.version.year)
    return assessment


def review_item(
    *, assessment: SelfAssessment, reviewed_points: int, note: str = "", by: User
) -> SelfAssessment:
    """The higher committee's score of a self-assessed item (审核)."""
    organization = assessment.organization
    check_may_review(by, organization)
    weight = assessment.item.weight
    if not 0 <= reviewed_points <= weight:
        raise InvalidInput(
            f"审核分应在0到{weight}分之间", fields={"reviewed_points": f"最高{weight}分"}
        )
    with transaction.atomic():
        SelfAssessment.objects.filter(pk=assessment.pk).update(
            status=Review.ACCEPTED,
            reviewed_points=reviewed_points,
            review_note=" ".join(note.split())[:500],
            reviewed_at=clock.now(),
            reviewed_by=by,
        )
        scoring.compute_one(organization, assessment.item.version.year)
    return SelfAssessment.objects.get(pk=assessment.pk)


@transaction.atomic
def nominate(*, organization: Organization, year: int, reason: str, by: User) -> ModelOrganization:
    """推荐: a five-star branch of the year put forward as a model organization."""
    check_may_review(by, organization)
    graded = StandardizationChecklist.objects.filter(organization=organization, year=year).first()
    if graded is None or graded.stars < 5:
        raise InvalidInput(
            "只能推荐本年度评定为五星级的党组织", fields={"organization": "未评定为五星级"}
        )
    if not reason.strip():
        raise InvalidInput("请填写推荐理由", fields={"reason": "请填写推荐理由"})
    try:
        with transaction.atomic():
            return ModelOrganization.objects.create(
                organization=organization,
                year=year,
                path=organization.path,
                status=Nomination.NOMINATED,
                reason=" ".join(reason.split())[:500],
                score=graded.score,
                nominated_at=clock.now(),
                nominated_by=by,
            )
    except IntegrityError:
        raise Conflict(f"{organization.name}已被推荐为{year}年度模范党组织") from None


@transaction.atomic
def decide(
    *, nomination: ModelOrganization, named: bool, citation: str = "", by: User
) -> ModelOrganization:
    """审定: a department above names the nominee with a citation, or declines it. Whoever
    nominated does not decide (a second pair of eyes)."""
    check_may_review(by, nomination.organization)
    if nomination.nominated_by_id == by.pk:
        raise InvalidInput("推荐人不能审定自己的推荐", fields={"citation": "须由另一位审定"})
    citation = " ".join(citation.split())[:500]
    if named and not citation:
        raise InvalidInput("命名须填写评语", fields={"citation": "请填写命名评语"})
    moved = ModelOrganization.objects.filter(pk=nomination.pk, status=Nomination.NOMINATED).update(
        status=Nomination.NAMED if named else Nomination.DECLINED,
        citation=citation,
        decided_at=clock.now(),
        decided_by=by,
    )
    if moved != 1:
        raise Conflict("该推荐已审定")
    return ModelOrganization.objects.get(pk=nomination.pk)
