"""The writes against the database: units and owners, rounds, answers on paper and by code,
the frozen result; every refusal in Chinese and with nothing written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest

from jiceng.consent import queries, services
from jiceng.consent.models import (
    AnswerChannel,
    Choice,
    ConsentAnswer,
    ConsentCode,
    ConsentOwner,
    ConsentProject,
    ConsentRound,
    ConsentRule,
)
from jiceng.core import clock, crypto
from jiceng.core.errors import Conflict, InvalidInput
from jiceng.notices import sms

from .conftest import DEADLINE, NOW

pytestmark = pytest.mark.usefixtures("frozen")


def owner_named(project: ConsentProject, name: str) -> ConsentOwner:
    for owner in project.owners.all():
        if crypto.unseal(owner.name_sealed, field=queries.NAME_FIELD) == name:
            return owner
    raise AssertionError(name)


def test_an_owner_of_two_units_is_one_owner_with_both_areas(project: ConsentProject) -> None:
    assert project.owners.count() == 11 and project.households.count() == 12
    wang = owner_named(project, "王芳")
    assert sorted(wang.households.values_list("room", flat=True)) == ["501", "601"]
    assert wang.name_masked == "王*" and wang.phone_masked == "138****0501"
    assert b"13800000501" not in bytes(wang.phone_sealed or b"")


def test_a_room_entered_twice_is_refused_beside_the_field(project: ConsentProject) -> None:
    with pytest.raises(InvalidInput) as refused:
        services.add_household(
            project=project, room="101", floor=1, area=Decimal("80"), owner_name="某人", by=None
        )
    assert refused.value.fields["room"] == "房号101已登记"
    assert project.households.count() == 12


def test_a_wrong_phone_is_refused_without_repeating_it(project: ConsentProject) -> None:
    with pytest.raises(InvalidInput) as refused:
        services.add_household(
            project=project,
            room="701",
            floor=7,
            area=Decimal("80"),
            owner_name="某人",
            owner_phone="1380000",
            by=None,
        )
    assert "1380000" not in str(refused.value.fields) and "phone" in refused.value.fields


@pytest.mark.parametrize("text", ["0", "-3", "12.345", "abc", "3000"])
def test_impossible_areas_are_refused(text: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        services.parse_area(text)
    assert "area" in refused.value.fields


def test_the_round_copies_the_civil_code_unless_the_city_has_its_own(
    project: ConsentProject,
) -> None:
    first = services.open_round(project=project, deadline=DEADLINE, by=None)
    assert (first.rule_name, first.participation_area, first.agreement_owners) == (
        "《民法典》第二百七十八条",
        "2/3",
        "3/4",
    )
    ConsentRule.objects.create(
        division_id="320100000000", name="南京市既有住宅增设电梯规则", agreement_area="2/3"
    )
    assert queries.rule_for(project.community_id).name == "南京市既有住宅增设电梯规则"
    assert queries.rule_of(first).name == "《民法典》第二百七十八条"  # the running round keeps its


def test_a_second_round_while_one_is_open_is_refused(round_: ConsentRound) -> None:
    with pytest.raises(Conflict, match="已有正在进行的征询"):
        services.open_round(project=round_.project, deadline=DEADLINE, by=None)


def test_units_cannot_change_while_a_round_is_open(round_: ConsentRound) -> None:
    with pytest.raises(Conflict, match="不能增减房屋"):
        services.add_household(
            project=round_.project, room="701", floor=7, area=Decimal(80), owner_name="某", by=None
        )


def test_a_second_answer_from_one_owner_is_refused_and_the_first_kept(
    round_: ConsentRound,
) -> None:
    zhao = owner_named(round_.project, "赵建华")
    services.record_paper_answer(round_=round_, owner=zhao, choice=Choice.AGREE, by=None)
    with pytest.raises(Conflict, match="每位业主每轮只能表达一次"):
        services.record_paper_answer(round_=round_, owner=zhao, choice=Choice.DISAGREE, by=None)
    assert list(ConsentAnswer.objects.values_list("choice", flat=True)) == [Choice.AGREE]


def test_the_second_unit_of_an_owner_gives_no_second_answer(round_: ConsentRound) -> None:
    wang = owner_named(round_.project, "王芳")
    services.record_paper_answer(round_=round_, owner=wang, choice=Choice.AGREE, by=None)
    count = queries.count_of(round_)
    assert count.participating_owners == 1 and count.participating_area == Decimal("177.00")


def test_objections_are_kept_with_the_answer(round_: ConsentRound) -> None:
    qian = owner_named(round_.project, "钱丽")
    answer = services.record_paper_answer(
        round_=round_,
        owner=qian,
        choice=Choice.DISAGREE,
        objections=services.Objections(light=True, noise=True),
        note="一楼采光受影响",
        by=None,
    )
    assert answer.objections == ["采光", "噪音"] and answer.channel == AnswerChannel.PAPER


def test_an_owner_answers_once_with_the_code_sent_to_their_phone(
    round_: ConsentRound, outbox: list[sms.SmsMessage], send_code: Callable[..., str]
) -> None:
    sun = owner_named(round_.project, "孙明")
    code = send_code(round_=round_, owner=sun, by=None, site="https://jc.example")
    (message,) = outbox
    assert message.phone == "13800000201"
    assert f"https://jc.example/consent/answer/{round_.public_key}/" in message.text
    assert ConsentCode.objects.get().digest != code.encode()  # only a keyed digest is kept
    answer = services.answer_with_code(round_=round_, code=code, choice=Choice.AGREE)
    assert answer.owner == sun and answer.channel == AnswerChannel.PHONE
    with pytest.raises(InvalidInput, match="验证码不正确或已失效"):
        services.answer_with_code(round_=round_, code=code, choice=Choice.DISAGREE)
    with pytest.raises(Conflict, match="已于"):
        services.send_code(round_=round_, owner=sun, by=None)
    assert ConsentAnswer.objects.count() == 1


def test_a_wrong_code_names_nobody(round_: ConsentRound, send_code: Callable[..., str]) -> None:
    code = send_code(round_=round_, owner=owner_named(round_.project, "孙明"), by=None)
    wrong = f"{(int(code) + 1) % 10**8:08d}"
    with pytest.raises(InvalidInput, match="验证码不正确"):
        services.answer_with_code(round_=round_, code=wrong, choice=Choice.AGREE)
    assert not ConsentAnswer.objects.exists()


def test_an_owner_without_a_phone_gets_no_code(round_: ConsentRound) -> None:
    with pytest.raises(InvalidInput, match="没有登记手机号"):
        services.send_code(round_=round_, owner=owner_named(round_.project, "吴芳"), by=None)


def agree_all_but(round_: ConsentRound, *names: str) -> None:
    for owner in round_.project.owners.all():
        name = crypto.unseal(owner.name_sealed, field=queries.NAME_FIELD)
        if name not in names:
            services.record_paper_answer(round_=round_, owner=owner, choice=Choice.AGREE, by=None)


def test_the_occupied_units_owner_decides_whatever_the_counts(round_: ConsentRound) -> None:
    agree_all_but(round_, "赵建华")
    assert not queries.count_of(round_).is_met
    zhao = owner_named(round_.project, "赵建华")
    services.record_paper_answer(round_=round_, owner=zhao, choice=Choice.DISAGREE, by=None)
    count = queries.count_of(round_)
    assert all(c.is_met for c in count.checks) and not count.is_met
    assert count.occupied_not_agreeing == (zhao.pk,)


def test_at_the_deadline_the_result_is_frozen_once_and_answers_refused(
    round_: ConsentRound,
) -> None:
    agree_all_but(round_, "钱丽", "孙明")
    with clock.frozen(DEADLINE + dt.timedelta(minutes=1)):
        with pytest.raises(Conflict, match="已于2026-06-24 09:00截止"):
            services.record_paper_answer(
                round_=round_,
                owner=owner_named(round_.project, "钱丽"),
                choice=Choice.AGREE,
                by=None,
            )
        round_.refresh_from_db()
        assert round_.is_frozen and round_.is_met  # frozen by the refused write, on read
        frozen_at, result = round_.frozen_at, round_.result
        assert result["participating_owners"] == 9 and result["owners"] == 11
        assert result["checks"][0]["have"] == "5/6"  # 804.00 of 964.80 m²
    with clock.frozen(DEADLINE + dt.timedelta(hours=1)):
        assert services.freeze_due_rounds() == 0  # idempotent: nothing left to freeze
        round_.refresh_from_db()
        assert (round_.frozen_at, round_.result) == (frozen_at, result)
        assert ConsentAnswer.objects.filter(round=round_).count() == 9


def test_the_periodic_job_freezes_rounds_past_their_deadline(round_: ConsentRound) -> None:
    assert services.freeze_due_rounds() == 0
    with clock.frozen(DEADLINE):
        assert services.freeze_due_rounds() == 1
    round_.refresh_from_db()
    assert round_.is_frozen and round_.is_met is False


def test_the_deadline_cannot_change_after_it_has_passed(round_: ConsentRound) -> None:
    later = DEADLINE + dt.timedelta(days=7)
    services.change_deadline(round_=round_, deadline=later, by=None)
    round_.refresh_from_db()
    assert round_.deadline == later
    with (
        clock.frozen(later + dt.timedelta(seconds=1)),
        pytest.raises(Conflict, match="不能再修改截止时间"),
    ):
        services.change_deadline(round_=round_, deadline=later + dt.timedelta(days=7), by=None)
    round_.refresh_from_db()
    assert round_.deadline == later and round_.is_frozen


def test_a_deadline_in_the_past_is_refused(project: ConsentProject) -> None:
    with pytest.raises(InvalidInput) as refused:
        services.open_round(project=project, deadline=NOW - dt.timedelta(hours=1), by=None)
    assert refused.value.fields == {"deadline": "截止时间应晚于现在"}
    assert not ConsentRound.objects.exists()
