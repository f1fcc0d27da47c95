"""Open311's GET requests: cases as the spec's service requests, for anyone to read.

GET answers are public by the spec's design (a city's open issue list), so they carry what a
passer-by may see: the subject, the place, the status and the handling unit; never the
reporter's name, phone or e-mail, and digits in the description that look like a mobile or
ID number, and e-mail addresses, are masked.

service_request_id is the case number people read out (工单号: the date received and the id).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from jiceng.cases import queries as case_queries
from jiceng.cases.models import Case
from jiceng.cases.workflow import OPEN_STATUSES, Level, Status
from jiceng.core import clock, masking
from jiceng.core.errors import InvalidInput, NotFound

from . import catalogue

MAX_REQUESTS = 1000  # the spec's cap on one GET
WINDOW = dt.timedelta(days=90)  # the spec's default window and longest span
REQUEST_NOT_FOUND = "服务请求不存在"
_CLOSED = frozenset(Status) - OPEN_STATUSES


def masked_text(text: str) -> str:
    return masking.mask_text(text)  # numbers however written (core.masking)


def when(value: dt.datetime | None) -> str | None:
    return value.astimezone(clock.CHINA).isoformat(timespec="seconds") if value else None


def agency_of(case: Case) -> str:
    if case.level == Level.DEPARTMENT and case.department is not None:
        return case.department.name
    if case.level == Level.STATION and case.station is not None:
        return case.station.name
    return case.grid.name if case.grid is not None else "街道受理中心"


def request_row(case: Case) -> dict[str, Any]:
    """One case as an Open311 request, with only what anyone may read."""
    stamps = [
        case.received_at,
        case.dispatched_at,
        case.accepted_at,
        case.resolved_at,
        case.followed_up_at,
        case.closed_at,
    ]
    media_url = (case.open311_attributes or {}).get("media_url") or None
    return {
        "service_request_id": case.number,
        "status": "closed" if case.status in _CLOSED else "open",
        "status_notes": Status(case.status).label,
        "service_name": case.subject.name,
        "service_code": case.subject.code,
        "description": masked_text(case.description),
        "agency_responsible": agency_of(case),
        "service_notice": f"{case.get_deadline_class_display()}办结",
        "requested_datetime": when(case.received_at),
        "updated_datetime": when(max(s for s in stamps if s is not None)),
        "expected_datetime": when(case.resolve_due_at),
        "address": masked_text(case.address) or None,
        "address_id": None,
        "zipcode": None,
        "lat": case.lat,
        "long": case.lon,
        "media_url": media_url,
    }


def _rows() -> QuerySet[Case]:
    return Case.objects.select_related("subject", "grid", "station", "department")


def pk_of(service_request_id: str) -> int | None:
    """The case id inside a 工单号 (8 digits of date, then the id), or None."""
    text = service_request_id.strip()
    if not (text.isascii() and text.isdigit() and 14 <= len(text) <= 20):
        return None
    return int(text[8:])


def request_by_id(service_request_id: str) -> Case:
    pk = pk_of(service_request_id)
    found = _rows().filter(pk=pk).first() if pk is not None else None
    if found is None or found.number != service_request_id.strip():
        raise NotFound(REQUEST_NOT_FOUND)
    return found


@dataclass(frozen=True)
class RequestFilter:
    ids: tuple[str, ...] = ()
    service_codes: tuple[str, ...] = ()
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    statuses: tuple[str, ...] = ()


def _listed(text: str | None) -> tuple[str, ...]:
    return tuple(p.strip() for p in (text or "").split(",") if p.strip())


def parse_filter(params: Mapping[str, str]) -> RequestFilter:
    statuses = _listed(params.get("status"))
    if any(s not in {"open", "closed"} for s in statuses):
        raise InvalidInput("status 只能是 open 或 closed")
    start_text, end_text = params.get("start_date"), params.get("end_date")
    return RequestFilter(
        ids=_listed(params.get("service_request_id")),
        service_codes=_listed(params.get("service_code")),
        start=catalogue.parse_when(start_text, "start_date") if start_text else None,
        end=catalogue.parse_when(end_text, "end_date") if end_text else None,
        statuses=statuses,
    )


def find_requests(wanted: RequestFilter) -> list[Case]:
    """The spec's GET requests: by id (then every other filter is ignored), or by service
    codes, status and a period of requested_datetime: at most 90 days, the last 90 by default,
    newest first, at most 1000."""
    if wanted.ids:
        pks = {pk for pk in map(pk_of, wanted.ids) if pk is not None}
        cases = list(_rows().filter(pk__in=pks)[:MAX_REQUESTS])
        numbers = set(wanted.ids)
        return [c for c in cases if c.number in numbers]
    start, end = wanted.start, wanted.end
    if start is None and end is None:
        end = clock.now()
    if start is None:
        assert end is not None
        start = end - WINDOW
    if end is None:
        end = start + WINDOW
    if end < start:
        raise InvalidInput("end_date 不能早于 start_date")
    if end - start > WINDOW:
        raise InvalidInput("start_date 到 end_date 不能超过 90 天")
    rows = _rows().filter(received_at__gte=start, received_at__lte=end)
    if wanted.service_codes:
        rows = rows.filter(subject__code__in=wanted.service_codes)
    if set(wanted.statuses) == {"open"}:
        rows = rows.filter(status__in=OPEN_STATUSES)
    elif set(wanted.statuses) == {"closed"}:
        rows = rows.filter(status__in=_CLOSED)
    return list(rows.order_by("-received_at", "-pk")[:MAX_REQUESTS])


def case_by_token(token: str) -> Case:
    return case_queries.case_by_token(token)
