"""Open311's POST requests: the spec's form read into the one intake (cases.intake.submit_case).

Only what is Open311's own is done here: the service code and attributes (`catalogue`), the
coordinates as text, `address_id` (a door plate of the gazetteer, grid.gazetteer: the same
one the hotline's addresses are routed by), a media URL, a phone written the international
way. The checks of a
case's fields (an Open311 description may be left out, or run to 4,000 characters), and the
reporter's e-mail (sealed and masked), are the intake's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.http import QueryDict

from jiceng.cases import intake as case_intake
from jiceng.cases.workflow import Channel
from jiceng.core.errors import InvalidInput

from . import catalogue

# attribute[code], or attribute[code][] for one of several values of a multivaluelist.
_ATTRIBUTE = re.compile(r"^attribute\[(.+?)\](\[\])?$")


@dataclass
class Submission:
    """A POST's fields, as the form sent them."""

    service_code: str = ""
    lat: str = ""
    lon: str = ""
    address: str = ""
    address_id: str = ""
    description: str = ""
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    email: str = ""
    media_url: str = ""
    attributes: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def from_form(cls, form: QueryDict) -> Submission:
        attributes: dict[str, list[str]] = {}
        for key, values in form.lists():
            found = _ATTRIBUTE.match(key) if key.startswith("attribute[") else None
            if found is not None:
                attributes.setdefault(found.group(1), []).extend(values)
        return cls(
            service_code=form.get("service_code", "").strip(),
            lat=form.get("lat", "").strip(),
            lon=form.get("long", "").strip(),
            address=form.get("address_string", "").strip(),
            address_id=form.get("address_id", "").strip(),
            description=form.get("description", ""),
            first_name=form.get("first_name", "").strip(),
            last_name=form.get("last_name", "").strip(),
            phone=form.get("phone", "").strip(),
            email=form.get("email", "").strip(),
            media_url=form.get("media_url", "").strip(),
            attributes=attributes,
        )


def _coordinate(text: str, name: str) -> float | None:
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise InvalidInput(f"{name} 须为数字", fields={name: "须为数字"}) from None
    if value != value:  # NaN
        raise InvalidInput(f"{name} 须为数字", fields={name: "须为数字"})
    return value


def _address_id(text: str) -> int | None:
    if not text:
        return None
    if not (text.isdigit() and text.isascii() and len(text) <= 15):
        raise InvalidInput("address_id 须为门牌地址库中的编号", fields={"address_id": "须为数字"})
    return int(text)


def _phone(text: str) -> str:
    """A mobile written the international way (+86 139 1234 5678) as the intake takes it."""
    digits = re.sub(r"[\s()]", "", text)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    return digits


def submit(submission: Submission, *, client: str) -> case_intake.Submitted:
    """The POST's case, through the one intake path."""
    if not submission.service_code:
        raise InvalidInput("请填写 service_code", fields={"service_code": "必填"})
    subject = catalogue.subject_for(submission.service_code)
    case_type, attributes = catalogue.check_attributes(submission.attributes)
    lat = _coordinate(submission.lat, "lat")
    lon = _coordinate(submission.lon, "long")
    address_id = _address_id(submission.address_id)
    if lat is None and lon is None and not submission.address and address_id is None:
        raise InvalidInput(
            "请提供位置：lat 和 long，或 address_string，或 address_id",
            fields={"address_string": "缺少位置"},
        )
    kept: dict[str, Any] = {"client": client, "attributes": attributes}
    if address_id is not None:
        kept["address_id"] = address_id
    if submission.media_url:
        try:
            URLValidator(schemes=["http", "https"])(submission.media_url)
        except ValidationError:
            raise InvalidInput(
                "media_url 须为 http(s) 网址", fields={"media_url": "网址无效"}
            ) from None
        if len(submission.media_url) > 500:
            raise InvalidInput("media_url 不能超过 500 个字符", fields={"media_url": "过长"})
        kept["media_url"] = submission.media_url
    return case_intake.submit_case(
        channel=Channel.OPEN311,
        type=case_type,
        subject=subject,
        description=submission.description,
        lon=lon,
        lat=lat,
        address=submission.address,
        reporter_name=submission.last_name + submission.first_name,
        reporter_phone=_phone(submission.phone),
        by=None,
        reporter_email=submission.email,
        open311_attributes=kept,
        address_id=address_id if lat is None and lon is None else None,
    )
