"""Intake (受理): the one path by which a case enters, from every channel: hotline, web form,
grid patrol and Open311. `submit_case` checks the input, finds the case's place (a point:
grid.routing; an address: the gazetteer, then the community, then the street it names) and
dispatches it at once to the unit its subject names (小事网格办、大事站所办、难事部门办): the
grid, the street's station of the subject's line of work, or the district's department of
it. Where the place has no station or department of that line of work, the case goes to
the grid as a grid's subject would (its worker escalates it: services.escalation_target
then takes any station or department of the place).

It is kept to a handful of queries (routing and addresses are in-memory indexes; the
categories are passed in as rows; a station or department is one more), because the intake
benchmark counts them.
"""

from __future__ import annotations

import base64
import re
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from jiceng.accounts.models import User
from jiceng.accounts.permissions import Permission, has_permission
from jiceng.core import audit, clock, crypto, masking
from jiceng.core.errors import Conflict, InvalidInput, not_found
from jiceng.core.inserts import OneRowInsert
from jiceng.core.paths import under
from jiceng.grid import gazetteer, routing
from jiceng.grid.models import PatrolFinding

from . import queries, workflow
from .models import Case, CaseEvent, CaseType, Department, EventKind, Station, Subject
from .notices import handler_user_ids, notify_grid_workers, send_notices
from .workflow import Channel, Level, Status

PHOTO_TYPES = {b"\xff\xd8\xff": ".jpg", b"\x89PNG\r\n\x1a\n": ".png"}
PHONE_PATTERN = re.compile(r"^[0-9][0-9-]{5,18}[0-9]$")
EMAIL_PATTERN = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
EMAIL_FIELD = "case_email"
# GeoReport v2 makes the description optional and allows 4,000 characters; the pages and the
# API ask for one of at most 2,000.
DESCRIPTION_MAX = {Channel.OPEN311: 4000}
DESCRIPTION_OPTIONAL = frozenset({Channel.OPEN311})


def photo_max_bytes() -> int:
    return settings.JICENG_CASE_PHOTO_MAX_BYTES


@dataclass(frozen=True)
class Submitted:
    """A case just received, with its two secrets, shown once (the case keeps their digests):
    the token, which reads the progress (a link that may be shared; Open311's token), and the
    feedback key, the submitter's own, which rates the result."""

    case: Case
    token: str
    feedback_key: str


@dataclass(frozen=True)
class Place:
    grid_id: int | None
    community_code: str | None
    street_code: str | None
    how: str


class AmbiguousAddress(InvalidInput):
    """The address may mean several places: the operator asks the caller and chooses one
    (`submit_case(address_choice=...)`); the other channels are told to say more."""

    def __init__(self, address: str, candidates: tuple[gazetteer.Candidate, ...]) -> None:
        names = "、".join(c.label for c in candidates[:5])
        super().__init__(
            f"地址“{address}”对应多处（{names}），请写明所在街道或社区",
            fields={"address": "地址对应多处，请选择"},
        )
        self.candidates = candidates


NOWHERE_MESSAGE = "无法确定诉求所在位置：请写明所在街道或社区和门牌号，或在地图上选点"


def place_of(lon: float | None, lat: float | None) -> Place | None:
    """Where a point lies: grid.routing's answer (a grid, or only a street)."""
    if lon is None or lat is None:
        return None
    found = routing.locate(lon, lat)
    if found.how == "none":
        return None
    return Place(
        grid_id=found.grid_id,
        community_code=found.community_code,
        street_code=found.street_code,
        how=str(found.how),
    )


def check_photo(photo: UploadedFile[bytes] | None) -> str:
    """The photo's extension if it is a JPEG or PNG within the size limit."""
    if photo is None:
        return ""
    if photo.size is None or photo.size > photo_max_bytes():
        limit = photo_max_bytes() // (1024 * 1024)
        raise InvalidInput(f"照片不能超过 {limit} MB", fields={"photo": "照片过大"})
    head = photo.read(16)
    photo.seek(0)
    for magic, extension in PHOTO_TYPES.items():
        if head.startswith(magic):
            return extension
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return ".webp"
    raise InvalidInput("照片须为 JPEG、PNG 或 WebP 图片", fields={"photo": "不支持的文件类型"})


def check_intake(
    *,
    channel: Channel,
    case_type: CaseType,
    subject: Subject,
    description: str,
    lon: float | None,
    lat: float | None,
    address: str,
    reporter_name: str,
    reporter_phone: str,
    has_place: bool = False,
) -> None:
    errors: dict[str, str] = {}
    if not case_type.is_active:
        errors["type"] = "该诉求类型已停用"
    if not subject.is_active:
        errors["subject"] = "该诉求事项已停用"
    longest = DESCRIPTION_MAX.get(channel, 2000)
    if not description.strip() and channel not in DESCRIPTION_OPTIONAL:
        errors["description"] = "请描述诉求内容"
    elif len(description) > longest:
        errors["description"] = f"诉求内容不能超过 {longest} 字"
    if (lon is None) != (lat is None):
        errors["location"] = "经度和纬度须同时填写"
    elif lon is not None and lat is not None and not (-180 <= lon <= 180 and -90 <= lat <= 90):
        errors["location"] = "位置不在有效的经纬度范围内"
    if lon is None and not address.strip() and not has_place:
        errors["address"] = "请在地图上选点或填写地址"
    if len(address) > 200:
        errors["address"] = "地址不能超过 200 字"
    if len(reporter_name) > 50:
        errors["reporter_name"] = "姓名不能超过 50 字"
    if reporter_phone and not PHONE_PATTERN.match(reporter_phone):
        errors["reporter_phone"] = "联系电话格式不正确"
    if errors:
        raise InvalidInput("；".join(errors.values()), fields=errors)


def _candidate_place(candidate: gazetteer.Candidate, how: str) -> Place:
    return Place(
        grid_id=candidate.grid_id,
        community_code=candidate.community_code,
        street_code=candidate.street_code,
        how=how,
    )


def place_by_address(address: str, *, choice: str = "") -> Place:
    """Without a point: the gazetteer, the community, the street the address names
    (grid.gazetteer). Several candidates: the one `choice` names, else AmbiguousAddress."""
    found = routing.locate_address(address)
    if not found.candidates:
        raise InvalidInput(NOWHERE_MESSAGE, fields={"address": "无法定位"})
    if choice:
        for candidate in found.candidates:
            if candidate.choice == choice:
                return _candidate_place(candidate, found.how)
        raise InvalidInput("所选位置不是该地址的候选，请重新选择", fields={"address": "请重新选择"})
    if found.place is None:
        raise AmbiguousAddress(address, found.candidates)
    return _candidate_place(found.place, found.how)


def place_by_address_id(address_id: int) -> Place:
    """Open311's `address_id`: a door plate of the gazetteer, by its id."""
    found = gazetteer.address_place(address_id)
    if found is None:
        raise InvalidInput("address_id 不是门牌地址库中的地址", fields={"address_id": "不存在"})
    return _candidate_place(found, "gazetteer")


def handling_unit(subject: Subject, place: Place) -> Station | Department | None:
    """The station (站所) or department (职能部门) of the subject's line of work at the
    place, when the subject names that level; None for a grid's subject, or where the
    place has no such unit."""
    level = Level(subject.unit_level)
    if level == Level.GRID or not subject.function or not place.street_code:
        return None
    if level == Level.STATION:
        return (
            Station.objects.filter(
                street_id=place.street_code, function=subject.function, is_active=True
            )
            .order_by("pk")
            .first()
        )
    return (
        Department.objects.filter(
            under(place.street_code[:6], "district_id"), function=subject.function, is_active=True
        )
        .order_by("pk")
        .first()
    )


def _place_of_finding(finding: PatrolFinding) -> Place:
    grid = finding.patrol.grid
    return Place(
        grid_id=grid.pk, community_code=grid.community_id, street_code=grid.street_id, how="patrol"
    )


@transaction.atomic
def submit_finding(*, finding_id: int, type: CaseType, subject: Subject, by: User) -> Submitted:
    """巡查发现转工单: the worker who found it opens the case (once per finding), routed by the
    finding's point, else to the patrolled grid."""
    finding = PatrolFinding.objects.select_related("patrol__grid").filter(pk=finding_id).first()
    if finding is None or finding.patrol.worker_id != by.pk:
        raise not_found("巡查发现")
    if Case.objects.filter(finding=finding).exists():
        raise Conflict("这条巡查发现已经转为工单")
    return submit_case(
        channel=Channel.PATROL,
        type=type,
        subject=subject,
        description=finding.description,
        lon=finding.lon,
        lat=finding.lat,
        address="",
        reporter_name="",
        reporter_phone="",
        by=by,
        finding=finding,
    )


def submit_case(
    *,
    channel: Channel | str,
    type: CaseType,
    subject: Subject,
    description: str,
    lon: float | None,
    lat: float | None,
    address: str,
    reporter_name: str,
    reporter_phone: str,
    photo: UploadedFile[bytes] | None = None,
    by: User | None = None,
    reporter_email: str = "",
    open311_attributes: dict[str, Any] | None = None,
    finding: PatrolFinding | None = None,
    address_choice: str = "",
    address_id: int | None = None,
) -> Submitted:
    """受理: find the case's place and dispatch it at once to the unit its subject names
    (the grid; the street's station; the district's department).

    A point outside every grid (and beyond routing's distance), and an address that names
    only a street or a community of several grids, go to the street, which dispatches by
    hand (unless the subject's station or department takes it). An address of several
    places raises AmbiguousAddress unless `address_choice` names one of them; `address_id`
    is a door plate of the gazetteer (Open311).
    An e-mail (Open311's reporters give one) is kept sealed with the Open311 attributes,
    the case having no column for it.
    Possible duplicates are looked up where they are shown (`queries.duplicates_of`: the
    intake API's answer, the case page), not here: Open311 and the web form have no place
    for them."""
    channel = Channel(channel)
    kept = open311_attributes or {}
    if reporter_email:
        kept = {**kept, **_email_attributes(reporter_email)}
    description, address = description.strip(), address.strip()
    reporter_name, reporter_phone = reporter_name.strip(), reporter_phone.strip()
    check_intake(
        channel=channel,
        case_type=type,
        subject=subject,
        description=description,
        lon=lon,
        lat=lat,
        address=address,
        reporter_name=reporter_name,
        reporter_phone=reporter_phone,
        has_place=finding is not None or address_id is not None,
    )
    extension = check_photo(photo)
    place: Place | None
    if lon is not None:
        place = place_of(lon, lat)
    elif finding is not None:
        place = _place_of_finding(finding)
    elif address_id is not None:
        place = place_by_address_id(address_id)
    else:
        place = place_by_address(address, choice=address_choice)
    if place is None or not (place.grid_id or place.street_code):
        raise InvalidInput(NOWHERE_MESSAGE, fields={"address": "无法定位"})
    unit = handling_unit(subject, place)
    now = clock.now()
    token, feedback_key = secrets.token_urlsafe(18), secrets.token_urlsafe(18)
    dispatched = unit is not None or place.grid_id is not None
    case = Case(
        channel=channel,
        case_type=type,
        subject=subject,
        deadline_class=subject.deadline_class,
        description=description,
        lon=lon,
        lat=lat,
        address=address,
        reporter_name=reporter_name,
        reporter_phone_sealed=(
            crypto.seal(reporter_phone, field=queries.PHONE_FIELD) if reporter_phone else None
        ),
        reporter_phone_masked=masking.mask_phone(reporter_phone) if reporter_phone else "",
        token_digest=queries.token_digest(token),
        feedback_digest=queries.token_digest(feedback_key),
        entered_by=by,
        finding=finding,
        open311_attributes=kept,
        grid_id=place.grid_id,
        community_id=place.community_code,
        street_id=place.street_code,
        routed_how=place.how,
        level=(
            Level.STATION
            if isinstance(unit, Station)
            else Level.DEPARTMENT
            if isinstance(unit, Department)
            else Level.GRID
        ),
        station=unit if isinstance(unit, Station) else None,
        department=unit if isinstance(unit, Department) else None,
        status=Status.DISPATCHED if dispatched else Status.RECEIVED,
        received_at=now,
        dispatched_at=now if dispatched else None,
        accept_due_at=workflow.accept_due(now, subject.deadline_class),
        resolve_due_at=workflow.resolve_due(now, subject.deadline_class),
    )
    if photo is not None:
        case.photo.save(f"{uuid.uuid4().hex}{extension}", photo, save=False)
    # Everything is built before the write transaction: on SQLite BEGIN IMMEDIATE takes the
    # one write lock, and everything inside it keeps the other workers' intakes waiting.
    # The rows' values too (compiled INSERTs, core.inserts).
    case_insert, event_insert = OneRowInsert.of(Case, returning=True), OneRowInsert.of(CaseEvent)
    case_values = case_insert.params(case)
    events = _intake_events(event_insert, case, by=by, channel=channel, unit=unit)
    # So is the audit record: only its link to the chain is made under the lock.
    audited = audit.prepare(
        audit.AuditEvent.WRITE,
        action="cases.submit_case",
        user=by,
        detail={
            "channel": channel.value,
            "grid": place.grid_id,
            "routed": place.how,
            "level": case.level,
        },
    )
    with transaction.atomic():
        case.pk = case_insert.run(case_values)
        case._state.adding, case._state.db = False, case_insert.using
        for event in events:
            event[event_insert.columns["case_id"]] = case.pk
        event_insert.run_many(events)
        text = f"新诉求：{subject.name}（{case.number}）"
        if case.status == Status.DISPATCHED and unit is None:
            notify_grid_workers(case, now, text=text)
        elif case.status == Status.DISPATCHED:
            send_notices(user_ids=handler_user_ids(case), case_id=case.pk, text=text)
        audited.append(target=case)
    return Submitted(case=case, token=token, feedback_key=feedback_key)


def _email_attributes(email: str) -> dict[str, str]:
    """The reporter's e-mail as the case keeps it: sealed like the phone number, and masked."""
    if not EMAIL_PATTERN.match(email) or len(email) > 254:
        raise InvalidInput("email 格式不正确", fields={"email": "格式不正确"})
    sealed = crypto.seal(email, field=EMAIL_FIELD)
    return {
        "email_sealed": base64.b64encode(sealed).decode(),
        "email_masked": masking.mask_phone(email.split("@")[0]) + "@***",
    }


def _intake_events(
    insert: OneRowInsert,
    case: Case,
    *,
    by: User | None,
    channel: Channel,
    unit: Station | Department | None = None,
) -> list[list[Any]]:
    """The INSERT values of the intake's events (received, and dispatched when routed to a
    grid, a station or a department); their case id is filled in once the case has one."""
    now, actor = case.received_at, by.pk if by is not None else None
    events = [
        insert.values(
            case_id=None,
            kind=EventKind.RECEIVED,
            at=now,
            actor_id=actor,
            to_status=Status.RECEIVED,
            note=channel.label,
        )
    ]
    if case.status == Status.DISPATCHED:
        events.append(
            insert.values(
                case_id=None,
                kind=EventKind.DISPATCHED,
                at=now,
                actor_id=actor,
                from_status=Status.RECEIVED,
                to_status=Status.DISPATCHED,
                unit=unit.name if unit is not None else "网格",
                note="按诉求事项派至承办单位" if unit is not None else "按位置自动派单",
            )
        )
    return events


def check_staff_channel(user: User, channel: Channel | str) -> None:
    """Staff enter hotline calls (dispatchers) and patrol findings (grid workers); the web
    form and Open311 have their own doors."""
    channel = Channel(channel)
    if channel == Channel.HOTLINE and has_permission(user, Permission.DISPATCH_CASES):
        return
    if channel == Channel.PATROL and has_permission(user, Permission.HANDLE_CASES):
        return
    raise InvalidInput(
        "该渠道不能由此录入", fields={"channel": "热线由调度员录入，巡查由网格员录入"}
    )
