"""Manual awards (表彰奖励) with their evidence and approver, and the reversal of one; the
points rules a department sets for its subtree. The writes of points besides posting."""

from __future__ import annotations

import datetime as dt
import uuid

from django.core.files import File
from django.db import transaction

from jiceng.accounts.models import User
from jiceng.accounts.permissions import Permission
from jiceng.accounts.scoping import scope_of
from jiceng.core import audit, clock
from jiceng.core.errors import Conflict, InvalidInput, not_found
from jiceng.members.models import ACTIVE_STATUSES, Member
from jiceng.orglife.rules import image_type
from jiceng.orgs.models import Organization

from .models import Award, CapPeriod, PointsEntry, PointsRule, SourceKind
from .posting import db_datetime, insert_entries
from .rules import RuleBook

EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
ZIP_DOCUMENTS = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def evidence_type(head: bytes, name: str) -> tuple[str, str] | None:
    """(content type, extension) of a PDF, a Word document or a JPEG, PNG or WebP image by
    its first bytes (a name alone proves nothing), else None."""
    if head.startswith(b"%PDF-"):
        return "application/pdf", "pdf"
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if head.startswith(b"PK\x03\x04") and extension in ZIP_DOCUMENTS:
        return ZIP_DOCUMENTS[extension], extension
    return image_type(head)


def check_can_award(by: User, member: Member) -> None:
    organization = member.organization
    if not scope_of(by).allows(
        Permission.MANAGE_MEMBERS, path=organization.path, division_id=organization.division_id
    ):
        raise not_found("党员")


@transaction.atomic
def award_points(
    *, member: Member, points: int, reason: str, evidence: File[bytes] | None, by: User
) -> PointsEntry:
    """A manual award: its approver is `by`; refused without evidence, over the rule's most
    for one award, or for a member the rules exempt. Nothing is written when refused."""
    check_can_award(by, member)
    reason = reason.strip()
    errors: dict[str, str] = {}
    now = clock.now()
    rule = RuleBook.load(SourceKind.AWARD).rule_for(
        member.organization.path, now.astimezone(clock.CHINA).date()
    )
    if not reason:
        errors["reason"] = "请填写表彰事由"
    if not 1 <= points <= rule.points:
        errors["points"] = f"积分应在1到{rule.points}之间"
    found = None
    if evidence is None or not evidence.size:
        errors["evidence"] = "请上传证明材料（文件或图片）"
    elif evidence.size > EVIDENCE_MAX_BYTES:
        errors["evidence"] = "证明材料不能超过10MB"
    else:
        evidence.seek(0)
        found = evidence_type(evidence.read(16), evidence.name or "")
        evidence.seek(0)
        if found is None:
            errors["evidence"] = "证明材料只能是PDF、Word文档或JPEG、PNG、WebP图片"
    if member.status not in ACTIVE_STATUSES:
        errors["member"] = "该党员不在册，不能记分"
    elif rule.is_exempt(category=member.category, status=member.status):
        errors["member"] = "按积分规则该党员免于积分"
    if errors:
        raise InvalidInput(next(iter(errors.values())), fields=errors)
    assert evidence is not None and found is not None
    content_type, extension = found
    award = Award(
        member=member,
        points=points,
        reason=reason[:200],
        evidence_type=content_type,
        approver=by,
        awarded_at=now,
    )
    award.evidence.save(f"{uuid.uuid4().hex}.{extension}", evidence, save=False)
    award.save()
    _write_entry(award.pk, member, points, reason[:200], by, now, is_reversal=False)
    audit.record(
        audit.AuditEvent.WRITE,
        action="points.award",
        target=award,
        user=by,
        detail={"member": member.pk, "points": points, "evidence": content_type},
    )
    return PointsEntry.objects.get(
        source_kind=SourceKind.AWARD, source_id=award.pk, is_reversal=False
    )


def _write_entry(
    source_id: int,
    member: Member,
    points: int,
    note: str,
    by: User,
    at: dt.datetime,
    *,
    is_reversal: bool,
) -> int:
    local = at.astimezone(clock.CHINA)
    return insert_entries(
        [
            (
                member.pk,
                member.organization_id,
                local.year,
                local.year * 100 + local.month,
                db_datetime(at),
                SourceKind.AWARD,
                source_id,
                is_reversal,
                points,
                note,
                by.pk,
                db_datetime(at),
            )
        ]
    )


@transaction.atomic
def reverse_award(*, entry: PointsEntry, reason: str, by: User) -> PointsEntry:
    """Takes a manual award back: a reversing entry (the award's entry stays as it was)."""
    member = Member.objects.select_related("organization").get(pk=entry.member_id)
    check_can_award(by, member)
    if entry.source_kind != SourceKind.AWARD or entry.is_reversal:
        raise Conflict("只能冲回表彰奖励的积分；参会积分随参会记录的更正自动冲回")
    reason = reason.strip()
    if not reason:
        raise InvalidInput("请填写冲回原因", fields={"reason": "请填写冲回原因"})
    # the award's row locked: two reversals at once wait for each other, the second refused
    Award.objects.select_for_update().filter(pk=entry.source_id).first()
    if PointsEntry.objects.filter(
        source_kind=SourceKind.AWARD, source_id=entry.source_id, is_reversal=True
    ).exists():
        raise Conflict("该积分已冲回")
    note = f"冲回：{reason}"[:200]
    _write_entry(entry.source_id, member, -entry.points, note, by, clock.now(), is_reversal=True)
    audit.record(
        audit.AuditEvent.WRITE,
        action="points.reverse_award",
        target=entry,
        user=by,
        detail={"reason": reason[:200]},
    )
    return PointsEntry.objects.get(
        source_kind=SourceKind.AWARD, source_id=entry.source_id, is_reversal=True
    )


@transaction.atomic
def set_rule(
    *,
    organization: Organization | None,
    kind: str,
    valid_from: dt.date,
    points: int,
    cap: int | None,
    cap_period: str,
    exempt_retired: bool,
    exempt_lost_contact: bool,
    by: User,
) -> PointsRule:
    """A department's points rule for its subtree from `valid_from` on (the nation's only by
    whom the whole tree is in reach). Rules in force on past days are not changed: a new
    rule starts today or later."""
    target = organization
    if target is None:
        root = Organization.objects.filter(depth=1).order_by("path").first()
        allowed = root is not None and scope_of(by).allows(
            Permission.MANAGE_MEETING_RULES, path=root.path, division_id=root.division_id
        )
    else:
        allowed = scope_of(by).allows(
            Permission.MANAGE_MEETING_RULES, path=target.path, division_id=target.division_id
        )
    if not allowed:
        raise not_found("党组织")
    errors: dict[str, str] = {}
    if kind not in SourceKind.values:
        errors["kind"] = "积分来源不正确"
    if points < 0 or points > 1000:
        errors["points"] = "每次积分应在0到1000之间"
    if cap is not None and cap < 0:
        errors["cap"] = "计分次数上限不能为负数"
    elif cap is not None and cap > 1000:
        errors["cap"] = "计分次数上限不能超过1000"
    if cap_period not in CapPeriod.values:
        errors["cap_period"] = "上限周期不正确"
    if valid_from < clock.today():
        errors["valid_from"] = "起用日期不能早于今天：已记的积分不按新规则重算"
    if errors:
        raise InvalidInput(next(iter(errors.values())), fields=errors)
    rule, _ = PointsRule.objects.update_or_create(
        organization=organization,
        kind=kind,
        valid_from=valid_from,
        defaults={
            "points": points,
            "cap": cap,
            "cap_period": cap_period,
            "exempt_retired": exempt_retired,
            "exempt_lost_contact": exempt_lost_contact,
            "created_by": by,
        },
    )
    audit.record(
        audit.AuditEvent.WRITE,
        action="points.set_rule",
        target=rule,
        user=by,
        detail={"kind": kind, "points": points, "cap": cap, "from": valid_from.isoformat()},
    )
    return rule
