"""Minutes (会议记录): recording them, signing off (签发, which closes the meeting's count
and quorum), the lock, amendments with a reason, and the photos kept with them."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import Count, Q

from jiceng.accounts.models import User
from jiceng.core import audit, clock
from jiceng.core.errors import Conflict, InvalidInput, not_found

from . import compliance, rules
from .attendance import close_online_session
from .checks import check_can_manage, check_month_open
from .models import (
    Attendance,
    AttendanceStatus,
    Meeting,
    MeetingStatus,
    Minutes,
    MinutesAmendment,
    MinutesPhoto,
)


def lock_days() -> int:
    return settings.JICENG_MINUTES_LOCK_DAYS


def photo_max_bytes() -> int:
    return settings.JICENG_MINUTES_PHOTO_MAX_BYTES


def check_minutes_body(raw: Mapping[str, Any]) -> dict[str, Any]:
    """{"items": [{"title", "summary"}], "resolutions": [str], "tasks": [{"title", "owner",
    "due_on"}]}, trimmed; InvalidInput with the first bad field."""
    errors: dict[str, str] = {}
    items = []
    for i, item in enumerate(raw.get("items") or []):
        title = " ".join(str(item.get("title", "")).split())[:200]
        summary = str(item.get("summary", "")).strip()[:5000]
        if title or summary:
            items.append({"title": title or f"议题{i + 1}", "summary": summary})
    resolutions = [str(r).strip()[:1000] for r in raw.get("resolutions") or [] if str(r).strip()]
    tasks = []
    for i, task in enumerate(raw.get("tasks") or []):
        title = " ".join(str(task.get("title", "")).split())[:200]
        owner = " ".join(str(task.get("owner", "")).split())[:50]
        due = str(task.get("due_on") or "").strip()
        if not (title or owner or due):
            continue
        if not title:
            errors[f"tasks.{i}.title"] = "请填写任务内容"
        if not owner:
            errors[f"tasks.{i}.owner"] = "请填写责任人"
        try:
            due_on = dt.date.fromisoformat(due) if due else None
        except ValueError:
            errors[f"tasks.{i}.due_on"] = f"完成期限“{due}”不是有效日期"
            due_on = None
        if due_on is None and f"tasks.{i}.due_on" not in errors:
            errors[f"tasks.{i}.due_on"] = "请填写完成期限"
        tasks.append(
            {"title": title, "owner": owner, "due_on": due_on.isoformat() if due_on else ""}
        )
    if not items and not resolutions:
        errors["items"] = "请至少填写一项议题摘要或决议"
    if errors:
        raise InvalidInput("会议记录有误：" + "；".join(errors.values()), fields=errors)
    return {"items": items, "resolutions": resolutions, "tasks": tasks}


@transaction.atomic
def record_minutes(*, meeting: Meeting, body: Mapping[str, Any], by: User | None) -> Minutes:
    """记录: written freely until signed off or locked; after that only amended."""
    check_can_manage(by, meeting.organization)
    if meeting.status == MeetingStatus.CANCELLED:
        raise Conflict("会议已取消")
    checked = check_minutes_body(body)
    now = clock.now()
    minutes, created = Minutes.objects.select_for_update().get_or_create(
        meeting=meeting,
        defaults={
            "body": checked,
            "recorded_by": by,
            "recorded_at": now,
            "locks_at": rules.minutes_lock_at(ends_at=meeting.ends_at, lock_days=lock_days()),
        },
    )
    if not created:
        if _is_locked(minutes):
            raise Conflict("会议记录已签发或已锁定，只能修改并说明原因")
        Minutes.objects.filter(pk=minutes.pk).update(body=checked, recorded_by=by, recorded_at=now)
    audit.record(
        audit.AuditEvent.WRITE,
        action="orglife.record_minutes",
        target=meeting,
        user=by,
        detail={"items": len(checked["items"]), "tasks": len(checked["tasks"])},
    )
    return Minutes.objects.get(pk=minutes.pk)


def _tally(meeting: Meeting) -> dict[str, int]:
    present = Q(status__in=[AttendanceStatus.IN_PERSON, AttendanceStatus.ONLINE])
    return Attendance.objects.filter(month=meeting.month, meeting=meeting).aggregate(
        expected=Count("pk"),
        expected_full=Count("pk", filter=Q(is_full_member=True)),
        present=Count("pk", filter=present),
        present_full=Count("pk", filter=present & Q(is_full_member=True)),
    )


@transaction.atomic
def sign_minutes(*, meeting: Meeting, by: User | None) -> Meeting:
    """签发: closes the online sessions still open, counts who was there, decides the quorum,
    marks the meeting held and brings the month's compliance up to date."""
    check_can_manage(by, meeting.organization)
    check_month_open(meeting.month)
    minutes = Minutes.objects.select_for_update().filter(meeting=meeting).first()
    if minutes is None:
        raise InvalidInput("请先填写会议记录再签发")
    if minutes.signed_at is not None:
        raise Conflict("会议记录已签发")
    now = clock.now()
    if now < meeting.starts_at:
        raise InvalidInput("会议尚未开始，不能签发记录")
    for attendance in Attendance.objects.filter(
        month=meeting.month, meeting=meeting, online_session_started_at__isnull=False
    ):
        close_online_session(attendance, meeting, now)
    tally = _tally(meeting)
    met = rules.quorum_met(meeting.kind, **tally)
    moved = Meeting.objects.filter(pk=meeting.pk, status=MeetingStatus.SCHEDULED).update(
        status=MeetingStatus.HELD,
        quorum_met=met,
        expected_count=tally["expected"],
        present_count=tally["present"],
    )
    if moved != 1:
        raise Conflict("会议已取消或已签发")
    Minutes.objects.filter(pk=minutes.pk).update(
        signed_by=by, signed_at=now, original_body=minutes.body
    )
    held = Meeting.objects.select_related("organization").get(pk=meeting.pk)
    compliance.refresh_branch(organization=held.organization, month=held.month)
    audit.record(
        audit.AuditEvent.WRITE,
        action="orglife.sign_minutes",
        target=held,
        user=by,
        detail={"quorum_met": met, **tally},
    )
    return held


@transaction.atomic
def amend_minutes(
    *, meeting: Meeting, body: Mapping[str, Any], reason: str, by: User | None
) -> Minutes:
    """修改已签发或已锁定的记录: the text it replaces is kept in the amendment."""
    check_can_manage(by, meeting.organization)
    reason = " ".join(reason.split())
    if not reason:
        raise InvalidInput("请说明修改原因", fields={"reason": "请说明修改原因"})
    minutes = Minutes.objects.select_for_update().filter(meeting=meeting).first()
    if minutes is None:
        raise not_found("会议记录")
    if not _is_locked(minutes):
        raise Conflict("会议记录尚未签发，可直接修改")
    checked = check_minutes_body(body)
    now = clock.now()
    MinutesAmendment.objects.create(
        minutes=minutes,
        previous_body=minutes.body,
        body=checked,
        reason=reason[:200],
        amended_by=by,
        amended_at=now,
    )
    Minutes.objects.filter(pk=minutes.pk).update(body=checked)
    audit.record(
        audit.AuditEvent.WRITE,
        action="orglife.amend_minutes",
        target=meeting,
        user=by,
        detail={"reason": reason[:200]},
    )
    return Minutes.objects.get(pk=minutes.pk)


def _is_locked(minutes: Minutes) -> bool:
    """Signed off or past its lock: changed from then on only by amendments with a reason."""
    return minutes.signed_at is not None or clock.now() >= minutes.locks_at


def _amendment_reason(reason: str, locked: bool) -> str:
    reason = " ".join(reason.split())[:180]
    if locked and not reason:
        raise InvalidInput(
            "会议记录已签发或已锁定，请说明修改原因", fields={"reason": "请说明修改原因"}
        )
    return reason


@transaction.atomic
def add_minutes_photo(
    *, meeting: Meeting, upload: File[bytes], caption: str = "", reason: str = "", by: User | None
) -> MinutesPhoto:
    """会议照片: JPEG, PNG or WebP (read from the bytes) up to JICENG_MINUTES_PHOTO_MAX_BYTES.
    After sign-off or the lock it is an amendment with a reason, like a change of the text."""
    check_can_manage(by, meeting.organization)
    if meeting.status == MeetingStatus.CANCELLED:
        raise Conflict("会议已取消")
    minutes = Minutes.objects.select_for_update().filter(meeting=meeting).first()
    if minutes is None:
        raise InvalidInput("请先保存会议记录，再上传照片", fields={"photo": "尚无会议记录"})
    size = int(upload.size or 0)
    limit = photo_max_bytes()
    if size > limit:
        raise InvalidInput(f"照片不能超过{limit / 1024 / 1024:.1f}MB", fields={"photo": "文件过大"})
    upload.seek(0)
    found = rules.image_type(upload.read(16))
    upload.seek(0)
    if found is None or size == 0:
        raise InvalidInput(
            "只能上传JPEG、PNG或WebP格式的照片", fields={"photo": "文件不是JPEG、PNG或WebP图片"}
        )
    content_type, extension = found
    locked = _is_locked(minutes)
    why = _amendment_reason(reason, locked)
    now = clock.now()
    photo = MinutesPhoto(
        minutes=minutes,
        caption=" ".join(caption.split())[:200],
        content_type=content_type,
        size=size,
        uploaded_at=now,
        uploaded_by=by,
    )
    # a random name: the uploader's file name says nothing we keep
    photo.image.save(f"{uuid.uuid4().hex}.{extension}", upload, save=False)
    photo.save()
    if locked:
        MinutesAmendment.objects.create(
            minutes=minutes,
            previous_body=minutes.body,
            body=minutes.body,
            reason=f"补充照片：{why}",
            amended_by=by,
            amended_at=now,
            photo=photo,
        )
    audit.record(
        audit.AuditEvent.WRITE,
        action="orglife.add_minutes_photo",
        target=meeting,
        user=by,
        detail={"photo": photo.pk, "type": content_type, "bytes": size, "amendment": locked},
    )
    return photo


@transaction.atomic
def remove_minutes_photo(*, photo: MinutesPhoto, reason: str = "", by: User | None) -> None:
    """Before sign-off the photo goes (its file once the transaction commits); after, it is
    kept, marked removed, and the amendment records why."""
    minutes_row = (
        Minutes.objects.select_for_update()
        .select_related("meeting__organization")
        .get(pk=photo.minutes_id)
    )
    meeting = minutes_row.meeting
    check_can_manage(by, meeting.organization)
    locked = _is_locked(minutes_row)
    why = _amendment_reason(reason, locked)
    now = clock.now()
    if locked:
        moved = MinutesPhoto.objects.filter(pk=photo.pk, removed_at__isnull=True).update(
            removed_at=now
        )
        if moved != 1:
            raise Conflict("照片已删除")
        MinutesAmendment.objects.create(
            minutes=minutes_row,
            previous_body=minutes_row.body,
            body=minutes_row.body,
            reason=f"删除照片：{why}",
            amended_by=by,
            amended_at=now,
            photo=photo,
        )
    else:
        if MinutesPhoto.objects.filter(pk=photo.pk, removed_at__isnull=True).delete()[0] != 1:
            raise Conflict("照片已删除")
        name, storage = str(photo.image.name), photo.image.storage
        transaction.on_commit(lambda: storage.delete(name))
    audit.record(
        audit.AuditEvent.WRITE,
        action="orglife.remove_minutes_photo",
        target=meeting,
        user=by,
        detail={"photo": photo.pk, "amendment": locked},
    )
