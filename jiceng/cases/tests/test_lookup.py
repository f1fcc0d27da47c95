"""The citizen tracks a case by its number and the last four digits of their phone (按工单号
查询): a public page that shows where the case stands and nothing personal, one answer for
"no such case" and "other digits", limited per client address and per case number, and
never a way to rate the case."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from jiceng.cases import queries
from jiceng.cases.models import Case
from jiceng.cases.workflow import Status
from jiceng.core import clock
from jiceng.core.errors import NotFound
from jiceng.testing.cases_personas import submission

WRONG = "工单号或手机号后四位不对，请核对后再试"
DIGITS_OF_A_PHONE = re.compile(r"1[3-9]\d[\d*]{4}\d{4}")


@pytest.fixture(autouse=True)
def fresh_rates() -> None:
    cache.clear()


def ask(number: str, tail: str, *, client: Client | None = None, ip: str = "10.0.0.1") -> Any:
    return (client or Client()).post(
        "/cases/track/", {"number": number, "phone_tail": tail}, REMOTE_ADDR=ip
    )


@pytest.mark.usefixtures("submit_case")
def test_the_number_and_the_phones_last_digits_show_the_progress_and_nothing_personal() -> None:
    case = submission(
        reporter_name="王建国", reporter_phone="13912345678", address="文苑路 1 号 3 栋"
    ).case
    assert Client().get("/cases/track/").status_code == 200
    assert 'href="/cases/track/"' in Client().get("/cases/submit/").content.decode()
    found = ask(case.number, "5678")
    text = found.content.decode()
    assert found.status_code == 200 and found["Cache-Control"] == "no-store"
    assert case.number in text and "已派单" in text and "派单（网格）" in text
    for personal in ("王建国", "文苑路", "垃圾三天没有清运", "5678", "139"):
        assert personal not in text.split('id="lookup-result"')[1], personal
    assert not DIGITS_OF_A_PHONE.search(text)
    assert 'name="satisfaction"' not in text  # reading only: the feedback key rates


@pytest.mark.usefixtures("submit_case")
def test_no_such_case_and_other_digits_get_one_answer() -> None:
    case = submission(reporter_phone="13912345678").case
    other_day = "20200101" + case.number[8:]
    answers = [
        ask(n, t)
        for n, t in ((case.number, "1234"), (other_day, "5678"), ("20260302999999", "5678"))
    ]
    assert {a.status_code for a in answers} == {404}
    for answer in answers:
        assert (
            WRONG in answer.content.decode() and 'id="lookup-result"' not in answer.content.decode()
        )


@pytest.mark.usefixtures("submit_case")
def test_the_form_says_what_is_wrong_beside_each_field() -> None:
    empty = ask("", "").content.decode()
    assert "请填写工单号" in empty and "请填写手机号后四位" in empty
    wrong = ask("2026-0302-1", "56a8")
    assert wrong.status_code == 400
    assert "工单号只有数字" in wrong.content.decode() and "请填写4位数字" in wrong.content.decode()
    short = ask("2026030212", "5678").content.decode()
    assert "前8位是受理日期" in short


@pytest.mark.usefixtures("submit_case")
def test_a_case_without_a_phone_is_found_by_no_digits() -> None:
    case = submission(reporter_phone="").case
    for tail in ("0000", "5678"):
        with pytest.raises(NotFound):
            queries.case_by_number_and_phone_tail(case.number, tail)


@pytest.mark.usefixtures("submit_case")
def test_the_lookups_of_one_address_are_limited(settings: Any) -> None:
    settings.JICENG_RATES = {**settings.JICENG_RATES, "case_lookup": "3/h"}
    case = submission().case
    with clock.frozen(clock.now()):  # one fixed window: an hour's end would reset it
        for _ in range(3):
            assert ask(case.number, "0000").status_code == 404
        refused = ask(case.number, "5678")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert ask(case.number, "5678", ip="10.0.0.2").status_code == 200  # another address


@pytest.mark.usefixtures("submit_case")
def test_the_tries_at_one_case_number_are_limited_across_addresses(settings: Any) -> None:
    settings.JICENG_RATES = {**settings.JICENG_RATES, "case_lookup_number": "3/d"}
    case, other = submission().case, submission().case
    with clock.frozen(clock.now()):  # one fixed window: a day's end would reset it
        for n in range(3):
            assert ask(case.number, f"000{n}", ip=f"10.0.1.{n}").status_code == 404
        assert ask(case.number, "5678", ip="10.0.2.1").status_code == 429  # even the right digits
    assert ask(other.number, "5678", ip="10.0.2.1").status_code == 200  # another case


@pytest.mark.usefixtures("submit_case")
def test_the_digits_are_never_the_feedback_secret(submit_case: Callable[..., Case]) -> None:
    submitted = submission(reporter_phone="13912345678")
    case = submitted.case
    Case.objects.filter(pk=case.pk).update(status=Status.RESOLVED)
    rating = {"is_resolved": "yes", "satisfaction": "SATISFIED"}
    by_digits = Client().post(f"/cases/track/{submitted.token}/5678/", rating)
    assert by_digits.status_code == 404
    ask(case.number, "5678")  # a lookup, even with rating fields, rates nothing
    Client().post("/cases/track/", {"number": case.number, "phone_tail": "5678", **rating})
    assert Case.objects.get(pk=case.pk).satisfaction == ""
    by_key = Client().post(f"/cases/track/{submitted.token}/{submitted.feedback_key}/", rating)
    assert by_key.status_code == 302
    assert Case.objects.get(pk=case.pk).satisfaction == "SATISFIED"
