"""What anyone may read of a case (the anonymous Open311 list, the tracking page behind its
link) shows no ID or phone number written in its text, however it is written."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from jiceng.cases.models import Case
from jiceng.core.models import AuditRecord, AuditResult
from jiceng.testing.cases_personas import Units, submission
from jiceng.testing.grid_personas import Grids

# The same two people, written as people write them: spaced, dashed, dotted, +86, 0086,
# full-width and Chinese digits, an ID number in groups.
WRITTEN = [
    "请回电 138 1234 5678",
    "电话138-1234-5678",
    "电话138.1234.5678",
    "+86 13812345678",
    "0086-138-1234-5678",
    "手机：１３８１２３４５６７８",
    "手机一三八一二三四五六七八",
    "幺三八 幺二三四 五六七八",
    "身份证 320113 19900307 1238",
    "身份证３２０１１３１９９００３０７１２３８",
]
HIDDEN = [
    "1234",
    "１２３４",
    "一二三四",
    "幺二三四",
    "19900307",
    "１９９００３０７",
    "1238",
    "１２３８",
]


def compact(text: str) -> str:
    return re.sub(r"[\s\-.·]", "", text)


@pytest.fixture
def case(grids: Grids, units: Units) -> tuple[Case, str]:
    submitted = submission(description="；".join(WRITTEN), address="文苑路1号 电话 138 1234 5678")
    return submitted.case, submitted.token


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_the_open311_list_masks_numbers_however_written(case: tuple[Case, str], fmt: str) -> None:
    number = case[0].number

    listed = Client().get(f"/open311/v2/requests.{fmt}?service_request_id={number}")
    one = Client().get(f"/open311/v2/requests/{number}.{fmt}")

    for response in (listed, one):
        text = compact(response.content.decode())
        assert response.status_code == 200 and "请回电" in text
        assert not [hidden for hidden in HIDDEN if hidden in text], text


def test_the_tracking_page_masks_numbers_however_written(case: tuple[Case, str]) -> None:
    found, token = case
    Case.objects.filter(pk=found.pk).update(resolution="已联系 139 8765 4321 处理")

    page = compact(Client().get(f"/cases/track/{token}/").content.decode())

    assert "请回电" in page and "138****5678" in page and "139****4321" in page
    assert not [hidden for hidden in [*HIDDEN, "8765"] if hidden in page], page


def test_a_refused_submission_keeps_no_phone_number_in_its_answer_or_audit_record(
    grids: Grids, units: Units
) -> None:
    response = Client().post(
        "/api/v1/cases/submit",
        {
            "type": "complaint",
            "subject": "city-garbage",
            "description": "垃圾没有清运",
            "address": "文苑路1号",
            "reporter_phone": "138 1234 5678 转 8",  # not a phone number the intake takes
        },
        content_type="application/json",
    )

    assert response.status_code == 400
    refusal = AuditRecord.objects.get(result=AuditResult.REFUSED)
    for text in (response.json()["detail"], json.loads(refusal.detail)["message"]):
        assert "联系电话" in text and "1234" not in compact(text)
