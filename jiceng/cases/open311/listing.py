"""Open311's GET requests: cases as the spec's service requests, for anyone to read.

GET answers are public by the spec's design (a city's open issue list), so they carry what a
passer-by may see: the subject, the place, the status and the handling unit; never the
reporter's name, phone or e-mail, and digits in the description that look like a mobile or
ID number, and e-mail addresses, are masked.

service_request_id is the case number people read out (工单号: the date received and the id).

List parameters (service_request_id, service_code, status) are comma-separated, repeated, or
both. `page` and `page_size`, the extension paging clients send, cut the answer into pages in
a fixed order; a page past the end is empty, so a client that asks until a page comes back
short stops.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import QueryDict

from jiceng.cases.models import Case
from jiceng.cases.workflow import OPEN_STATUSES, Status
from jiceng.core import clock, masking
from jiceng.core.errors import InvalidInput, NotFound

from ..units import unit_name
from . import catalogue

MAX_REQUESTS = 1000  # the spec's cap on one GET, and so on one page
# Pages reach this far into a list: the database steps over every row before a page (an
# OFFSET), and a GET is open to anyone. Longer lists are read a shorter period at a time.
MAX_OFFSET = 100_000
WINDOW = dt.timedelta(days=90)  # the spec's default window and longest span
REQUEST_NOT_FOUND = "服务请求不存在"
_CLOSED = frozenset(Status) - OPEN_STATUSES


def when(value: dt.datetime | None) -> str | None:
    return value.astimezone(clock.CHINA).isoformat(timespec="seconds") if value else None


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
        "description": masking.mask_text(case.description),  # numbers however written
        "agency_responsible": unit_name(case, default="街道受理中心"),
        "service_notice": f"{case.get_deadline_class_display()}办结",
        "requested_datetime": when(case.received_at),
        "updated_datetime": when(max(s for s in stamps if s is not None)),
        "expected_datetime": when(case.resolve_due_at),
        "address": masking.mask_text(case.address) or None,
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
    page: int = 1
    page_size: int = MAX_REQUESTS


@dataclass(frozen=True)
class Found:
    """One page of requests, and whether a page follows."""

    cases: list[Case]
    has_more: bool


def _listed(params: QueryDict, name: str) -> tuple[str, ...]:
    """A list parameter: comma-separated, repeated, or both; each value once, in order."""
    parts = (p.strip() for value in params.getlist(name) for p in value.split(","))
    return tuple(dict.fromkeys(p for p in parts if p))


def _whole(params: QueryDict, name: str, default: int, most: int) -> int:
    text = params.get(name, "").strip()
    if not text:
        return default
    if not (text.isascii() and text.isdigit() and 1 <= int(text) <= most):
        raise InvalidInput(f"{name} 须为 1 到 {most} 的整数", fields={name: "无效"})
    return int(text)


def parse_filter(params: QueryDict) -> RequestFilter:
    statuses = _listed(params, "status")
    if any(s not in {"open", "closed"} for s in statuses):
        raise InvalidInput("status 只能是 open 或 closed")
    ids = _listed(params, "service_request_id")
    if len(ids) > MAX_REQUESTS:
        raise InvalidInput(f"一次最多查询 {MAX_REQUESTS} 个 service_request_id")
    page_size = _whole(params, "page_size", MAX_REQUESTS, MAX_REQUESTS)
    page = _whole(params, "page", 1, MAX_OFFSET // page_size + 1)
    start_text, end_text = params.get("start_date"), params.get("end_date")
    return RequestFilter(
        ids=ids,
        service_codes=_listed(params, "service_code"),
        start=catalogue.parse_when(start_text, "start_date") if start_text else None,
        end=catalogue.parse_when(end_text, "end_date") if end_text else None,
        statuses=statuses,
        page=page,
        page_size=page_size,
    )


def _page(rows: QuerySet[Case], wanted: RequestFilter) -> Found:
    """The page `wanted` asks for, newest first; one row more is read to tell whether another
    page follows (no count of the whole list)."""
    first = (wanted.page - 1) * wanted.page_size
    cases = list(rows.order_by("-received_at", "-pk")[first : first + wanted.page_size + 1])
    return Found(cases=cases[: wanted.page_size], has_more=len(cases) > wanted.page_size)


def find_requests(wanted: RequestFilter) -> Found:
    """The spec's GET requests: by id (then every other filter is ignored), or by service
    codes, status and a period of requested_datetime: at most 90 days, the last 90 by default;
    newest first, in pages of at most 1000."""
    if wanted.ids:
        # At most MAX_REQUESTS, read at once: a 工单号 under another date than its case's
        # finds nothing, which only the number read back tells, so a page is cut after that.
        pks = {pk for pk in map(pk_of, wanted.ids) if pk is not None}
        numbers = set(wanted.ids)
        rows = _rows().filter(pk__in=pks).order_by("-received_at", "-pk")
        cases = [c for c in rows if c.number in numbers]
        first = (wanted.page - 1) * wanted.page_size
        return Found(cases[first : first + wanted.page_size], len(cases) > first + wanted.page_size)
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
    return _page(rows, wanted)
