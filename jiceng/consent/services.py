"""Every write of consent projects: projects and their units, rounds, answers on paper and by
a one-time code, the frozen result. Each refused write says why in Chinese and writes nothing.

An answer and the freezing both lock the round's row first, so an answer that arrives as the
deadline passes is either counted in the frozen result or refused, never half of each."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from django.db import IntegrityError, transaction
from django.urls import reverse

from jiceng.accounts.models import User
from jiceng.core import clock, crypto, masking
from jiceng.core.errors import Conflict, InvalidInput, NotFound
from jiceng.divisions.models import Division
from jiceng.notices import sms

from . import queries, rules
from .models import (
    AnswerChannel,
    Choice,
    ConsentAnswer,
    ConsentCode,
    ConsentHousehold,
    ConsentOwner,
    ConsentProject,
    ConsentRound,
    ProjectKind,
)
from .queries import CODE_FIELD, NAME_FIELD, PHONE_FIELD

T = TypeVar("T")
CODE_DIGITS = 8
MAX_AREA = Decimal("2000")
ROUND_CLOSED = "本轮征询已于{deadline}截止，结果已固定，不能再{what}"
CODE_WRONG = "验证码不正确或已失效，请核对短信"


class RoundClosed(Conflict):
    """The round's deadline has passed: its result is (or is about to be) frozen."""


def closed(round_: ConsentRound, what: str) -> RoundClosed:
    deadline = round_.deadline.astimezone(clock.CHINA)
    return RoundClosed(ROUND_CLOSED.format(deadline=f"{deadline:%Y-%m-%d %H:%M}", what=what))


def _while_open(round_: ConsentRound, what: str, write: Callable[[ConsentRound], T]) -> T:
    """`write(locked round)` in one transaction if the round still takes `what`. A round past
    its deadline is refused, and frozen in a transaction of its own (which the refusal does
    not roll back)."""
    try:
        with transaction.atomic():
            locked = ConsentRound.objects.select_for_update().get(pk=round_.pk)
            if locked.is_frozen or locked.is_past_deadline():
                raise closed(locked, what)
            return write(locked)
    except RoundClosed:
        freeze_if_due(round_.project)
        raise


# -- projects and units -----------------------------------------------------------------------


@transaction.atomic
def create_project(
    *,
    community: Division,
    kind: str,
    name: str,
    building: str,
    unit: str = "",
    description: str = "",
    by: User | None,
) -> ConsentProject:
    fields: dict[str, str] = {}
    name, building, unit = name.strip(), building.strip(), unit.strip()
    if community.level != 5:
        fields["community"] = "请选择社区"
    if kind not in ProjectKind.values:
        fields["kind"] = "请选择事项"
    if not name:
        fields["name"] = "请填写名称，如“3栋2单元加装电梯”"
    if not building:
        fields["building"] = "请填写楼栋"
    if fields:
        raise InvalidInput("请补全事项信息", fields=fields)
    return ConsentProject.objects.create(
        community_id=community.code,
        kind=kind,
        name=name[:100],
        building=building[:50],
        unit=unit[:50],
        description=description.strip(),
        created_by=by,
    )


def parse_area(text: str) -> Decimal:
    try:
        area = Decimal(text.strip())
    except InvalidOperation:
        raise InvalidInput("面积格式不正确", fields={"area": "面积应为数字，如 89.50"}) from None
    if not (area.is_finite() and Decimal(0) < area <= MAX_AREA) or area != area.quantize(
        Decimal("0.01")
    ):
        raise InvalidInput(
            "面积格式不正确", fields={"area": "面积应大于 0、不超过 2000 平方米，最多两位小数"}
        )
    return area


def _clean_phone(phone: str) -> str:
    digits = "".join(c for c in phone if c.isdigit())
    if phone.strip() and not (len(digits) == 11 and digits.startswith("1")):
        # never echo the number typed (core.masking: errors name the field)
        raise InvalidInput("手机号格式不正确", fields={"phone": "手机号应为 11 位数字"})
    return digits


@transaction.atomic
def add_household(
    *,
    project: ConsentProject,
    room: str,
    floor: int,
    area: Decimal,
    owner_name: str,
    owner_phone: str = "",
    is_occupied: bool = False,
    by: User | None,
) -> ConsentHousehold:
    """A unit and its owner. The same name and phone entered for a second unit are the same
    owner (one head, both areas). Refused while a round is open: the count would move
    under the owners' feet."""
    ConsentProject.objects.select_for_update().filter(pk=project.pk).first()
    if queries.open_round(project) is not None:
        raise Conflict("本事项正在征询中，征询截止前不能增减房屋")
    fields: dict[str, str] = {}
    room, owner_name = room.strip(), owner_name.strip()
    if not room:
        fields["room"] = "请填写房号"
    elif project.households.filter(room=room).exists():
        fields["room"] = f"房号{room}已登记"
    if not -5 <= floor <= 60:
        fields["floor"] = "楼层应在 -5 到 60 之间"
    if not owner_name:
        fields["owner_name"] = "请填写业主姓名"
    try:
        phone = _clean_phone(owner_phone)
    except InvalidInput as error:
        fields.update(error.fields)
        phone = ""
    if fields:
        raise InvalidInput("房屋信息有误", fields=fields)
    identity = crypto.blind_index(f"{owner_name}|{phone}", field=NAME_FIELD)
    owner = ConsentOwner.objects.filter(project=project, identity_index=identity).first()
    if owner is None:
        owner = ConsentOwner.objects.create(
            project=project,
            name_sealed=crypto.seal(owner_name, field=NAME_FIELD),
            name_masked=masking.mask_name(owner_name),
            phone_sealed=crypto.seal(phone, field=PHONE_FIELD) if phone else None,
            phone_masked=masking.mask_phone(phone) if phone else "",
            identity_index=identity,
        )
    return ConsentHousehold.objects.create(
        project=project,
        room=room[:20],
        floor=floor,
        area=area,
        owner=owner,
        is_occupied=is_occupied,
    )


# -- rounds -----------------------------------------------------------------------------------


@transaction.atomic
def open_round(*, project: ConsentProject, deadline: dt.datetime, by: User | None) -> ConsentRound:
    """发起征询: a new round under the rule of the project's city (copied into the round)."""
    ConsentProject.objects.select_for_update().filter(pk=project.pk).first()
    freeze_if_due(project)
    if queries.open_round(project) is not None:
        raise Conflict("本事项已有正在进行的征询，请等待其截止")
    if not project.households.exists():
        raise Conflict("请先登记房屋和业主，再发起征询")
    if deadline <= clock.now():
        raise InvalidInput("截止时间有误", fields={"deadline": "截止时间应晚于现在"})
    rule = queries.rule_for(project.community_id)
    number = (project.rounds.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    return ConsentRound.objects.create(
        project=project,
        number=number,
        deadline=deadline,
        opened_by=by,
        public_key=secrets.token_urlsafe(12),
        rule_name=rule.name,
        participation_area=rules.fraction_text(rule.participation_area),
        participation_owners=rules.fraction_text(rule.participation_owners),
        agreement_area=rules.fraction_text(rule.agreement_area),
        agreement_owners=rules.fraction_text(rule.agreement_owners),
        occupied_must_agree=rule.occupied_must_agree,
    )


def change_deadline(*, round_: ConsentRound, deadline: dt.datetime, by: User | None) -> None:
    """延长或提前截止时间, only before the deadline has passed."""

    def write(locked: ConsentRound) -> None:
        if deadline <= clock.now():
            raise InvalidInput("截止时间有误", fields={"deadline": "截止时间应晚于现在"})
        ConsentRound.objects.filter(pk=locked.pk).update(deadline=deadline)

    _while_open(round_, "修改截止时间", write)


@dataclass(frozen=True)
class Objections:
    light: bool = False
    ventilation: bool = False
    noise: bool = False


def _answer(
    *,
    round_: ConsentRound,
    owner: ConsentOwner,
    choice: str,
    channel: str,
    objections: Objections,
    note: str,
    by: User | None,
) -> ConsentAnswer:
    if choice not in Choice.values:
        raise InvalidInput("请选择意见", fields={"choice": "请选择同意、不同意或弃权"})
    if owner.project_id != round_.project_id:
        raise NotFound("该业主不在本事项中")
    if len(note) > 500:
        raise InvalidInput("意见说明过长", fields={"note": "意见说明不超过 500 字"})
    earlier = ConsentAnswer.objects.filter(round=round_, owner=owner).first()
    if earlier is not None:
        raise Conflict(_already(earlier))
    try:
        with transaction.atomic():
            return ConsentAnswer.objects.create(
                round=round_,
                owner=owner,
                choice=choice,
                channel=channel,
                objects_light=objections.light,
                objects_ventilation=objections.ventilation,
                objects_noise=objections.noise,
                note=note.strip(),
                entered_by=by,
            )
    except IntegrityError:
        raise Conflict("该业主已表达过意见，每位业主每轮只能表达一次") from None


def _already(earlier: ConsentAnswer) -> str:
    at = earlier.answered_at.astimezone(clock.CHINA)
    return (
        f"该业主已于{at:%Y-%m-%d %H:%M}{earlier.get_channel_display()}表达过意见"
        f"（{earlier.get_choice_display()}），每位业主每轮只能表达一次"
    )


def record_paper_answer(
    *,
    round_: ConsentRound,
    owner: ConsentOwner,
    choice: str,
    objections: Objections = Objections(),
    note: str = "",
    by: User | None,
) -> ConsentAnswer:
    """书面意见, entered by the community from the owner's signed form."""
    return _while_open(
        round_,
        "录入意见",
        lambda locked: _answer(
            round_=locked,
            owner=owner,
            choice=choice,
            channel=AnswerChannel.PAPER,
            objections=objections,
            note=note,
            by=by,
        ),
    )


def answer_url(round_: ConsentRound) -> str:
    return reverse("consent:answer", args=[round_.public_key])


def send_code(
    *, round_: ConsentRound, owner: ConsentOwner, by: User | None, site: str = ""
) -> None:
    """A one-time code to the owner's phone (a new one replaces an unused earlier one).
    `site`: the address the link in the message starts with (the request's scheme and host)."""

    def write(locked: ConsentRound) -> None:
        if owner.project_id != locked.project_id:
            raise NotFound("该业主不在本事项中")
        if not owner.phone_sealed:
            raise InvalidInput("该业主没有登记手机号，请录入书面意见")
        earlier = ConsentAnswer.objects.filter(round=locked, owner=owner).first()
        if earlier is not None:
            raise Conflict(_already(earlier))
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        digest = crypto.blind_index(f"{locked.pk}:{code}", field=CODE_FIELD)
        ConsentCode.objects.update_or_create(
            round=locked, owner=owner, defaults={"digest": digest, "sent_at": clock.now()}
        )
        deadline = locked.deadline.astimezone(clock.CHINA)
        text = (
            f"【基层】{locked.project.name}征求您的意见，验证码{code}，"
            f"请于{deadline:%m月%d日%H:%M}前打开 {site}{answer_url(locked)} 填写。"
        )
        phone = crypto.unseal(owner.phone_sealed, field=PHONE_FIELD)
        transaction.on_commit(lambda: sms.backend().send_messages([sms.SmsMessage(phone, text)]))

    _while_open(round_, "发送验证码", write)


def owner_by_code(round_: ConsentRound, code: str) -> ConsentOwner:
    """The owner a code was sent to, if it is unused and the round still open."""
    code = code.strip()
    if not (len(code) == CODE_DIGITS and code.isascii() and code.isdigit()):
        raise InvalidInput(CODE_WRONG, fields={"code": f"验证码为 {CODE_DIGITS} 位数字"})
    digest = crypto.blind_index(f"{round_.pk}:{code}", field=CODE_FIELD)
    found = (
        ConsentCode.objects.filter(round=round_, digest=digest, used_at__isnull=True)
        .select_related("owner")
        .first()
    )
    if found is None:
        raise InvalidInput(CODE_WRONG, fields={"code": CODE_WRONG})
    return found.owner


def answer_with_code(
    *,
    round_: ConsentRound,
    code: str,
    choice: str,
    objections: Objections = Objections(),
    note: str = "",
) -> ConsentAnswer:
    """An owner answers on their phone: the code names them, and is used up."""

    def write(locked: ConsentRound) -> ConsentAnswer:
        owner = owner_by_code(locked, code)
        answer = _answer(
            round_=locked,
            owner=owner,
            choice=choice,
            channel=AnswerChannel.PHONE,
            objections=objections,
            note=note,
            by=None,
        )
        ConsentCode.objects.filter(round=locked, owner=owner).update(used_at=clock.now())
        return answer

    return _while_open(round_, "表达意见", write)


# -- freezing ---------------------------------------------------------------------------------


def _freeze(locked: ConsentRound) -> bool:
    """The count frozen into the (locked) round; False if another run froze it first."""
    count = queries.count_of(locked)
    frozen = ConsentRound.objects.filter(pk=locked.pk, frozen_at__isnull=True).update(
        frozen_at=clock.now(), is_met=count.is_met, result=rules.as_record(count)
    )
    if frozen:
        locked.refresh_from_db()
    return bool(frozen)


def freeze_if_due(project: ConsentProject) -> None:
    """On read: the project's open round frozen if its deadline has passed (idempotent)."""
    with transaction.atomic():
        for round_ in ConsentRound.objects.select_for_update().filter(
            project=project, frozen_at__isnull=True, deadline__lte=clock.now()
        ):
            _freeze(round_)


def freeze_due_rounds() -> int:
    """The periodic job: every open round past its deadline frozen; how many."""
    frozen = 0
    due = ConsentRound.objects.filter(frozen_at__isnull=True, deadline__lte=clock.now())
    for pk in due.values_list("pk", flat=True):
        with transaction.atomic():
            locked = ConsentRound.objects.select_for_update().get(pk=pk)
            frozen += bool(locked.frozen_at is None and _freeze(locked))
    return frozen
