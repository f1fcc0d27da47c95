"""Open311's service catalogue: the services and their definitions, from the case categories.

A service (service_code) is a subject (诉求事项); every service asks for the case type
(诉求类型: 咨询, 求助, 投诉, 举报, 建议) as the required attribute `case_type`, and takes the
time the problem was noticed as an optional one.

The list and the definitions are read from the table on each GET, not from the minute-long
cache of the intake (cases.categories), so that they are what discovery's changeset, the time
of the catalogue's last change, dates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.db.models import Max
from django.utils.dateparse import parse_datetime

from jiceng.cases import categories
from jiceng.cases.models import CaseType, Subject
from jiceng.core import clock
from jiceng.core.errors import InvalidInput, NotFound

CASE_TYPE = "case_type"
NOTICED_AT = "noticed_at"
SERVICE_NOT_FOUND = "服务（诉求事项）不存在或已停用"


def service_row(subject: Subject) -> dict[str, Any]:
    return {
        "service_code": subject.code,
        "service_name": subject.name,
        "description": f"{subject}，{subject.get_deadline_class_display()}办结",
        "metadata": True,
        "type": "realtime",
        "keywords": ",".join(k for k in (subject.group, subject.function) if k),
        "group": subject.group,
    }


def services() -> list[dict[str, Any]]:
    return [service_row(s) for s in Subject.objects.filter(is_active=True)]


def changed_at() -> dt.datetime | None:
    """When the catalogue last changed: a subject (a service) or a request type (the values of
    every definition) added, edited or switched off; None while it is empty."""
    latest = [
        Subject.objects.aggregate(at=Max("updated_at"))["at"],
        CaseType.objects.aggregate(at=Max("updated_at"))["at"],
    ]
    return max((at for at in latest if at is not None), default=None)


def subject_for(service_code: str) -> Subject:
    try:
        return categories.subject_by_code(service_code)
    except InvalidInput:
        raise NotFound(SERVICE_NOT_FOUND) from None


def definition(service_code: str) -> dict[str, Any]:
    subject = Subject.objects.filter(code=service_code, is_active=True).first()
    if subject is None:
        raise NotFound(SERVICE_NOT_FOUND)
    types = CaseType.objects.filter(is_active=True)
    return {
        "service_code": subject.code,
        "attributes": [
            {
                "variable": True,
                "code": CASE_TYPE,
                "datatype": "singlevaluelist",
                "required": True,
                "datatype_description": "诉求类型的编码",
                "order": 1,
                "description": "诉求类型：咨询、求助、投诉、举报或建议",
                "values": [{"key": t.code, "name": t.name} for t in types],
            },
            {
                "variable": True,
                "code": NOTICED_AT,
                "datatype": "datetime",
                "required": False,
                "datatype_description": "ISO 8601 时间，如 2026-03-02T09:00:00+08:00",
                "order": 2,
                "description": "发现问题的时间",
            },
        ],
    }


def check_attributes(
    attributes: Mapping[str, Sequence[str]],
) -> tuple[CaseType, dict[str, str]]:
    """The case type named by the attributes, and the attributes to keep on the case.

    Each attribute comes with the list of its values, sent as `attribute[code]` or in the
    spec's syntax of a multivaluelist, `attribute[code][]` (repeated); both of ours take one."""
    unknown = sorted(set(attributes) - {CASE_TYPE, NOTICED_AT})
    if unknown:
        raise InvalidInput(
            f"不认识的属性：{'、'.join(unknown)}", fields={"attribute": "属性不在服务定义中"}
        )
    values = {code: [v.strip() for v in given if v.strip()] for code, given in attributes.items()}
    several = sorted(code for code, given in values.items() if len(given) > 1)
    if several:
        raise InvalidInput(
            f"属性只能取一个值：{'、'.join(several)}", fields={"attribute": "属性只能取一个值"}
        )
    one = {code: given[0] for code, given in values.items() if given}
    code = one.get(CASE_TYPE, "")
    if not code:
        raise InvalidInput(
            "请填写属性 attribute[case_type]（诉求类型）", fields={"attribute": "缺少诉求类型"}
        )
    case_type = categories.type_by_code(code)
    kept = {CASE_TYPE: code}
    noticed = one.get(NOTICED_AT, "")
    if noticed:
        when = parse_when(noticed, "attribute[noticed_at]")
        if when > clock.now():
            raise InvalidInput("发现时间不能晚于现在", fields={"attribute": "发现时间有误"})
        kept[NOTICED_AT] = when.isoformat()
    return case_type, kept


def parse_when(text: str, name: str) -> dt.datetime:
    """A W3C date-time (a bare date is its midnight), in China time when it names no zone."""
    value = None
    try:
        value = parse_datetime(text)
        if value is None:
            day = dt.date.fromisoformat(text)
            value = dt.datetime(day.year, day.month, day.day)
    except ValueError:
        value = None
    if value is None:
        raise InvalidInput(f"{name} 不是有效的时间（应如 2026-03-02T09:00:00+08:00）")
    return value if value.tzinfo else value.replace(tzinfo=clock.CHINA)
