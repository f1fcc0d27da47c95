"""/api/v1/transfers: 组织关系转接 and 流动党员, every step through the same services as the
pages (transfers.services, transfers.mobility). A step refused by the rules answers 400 with
the rule's text; one taken meanwhile by someone else 409; one that is another side's 403."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Field, Query, Router, Schema, Status

from jiceng.accounts.access import api_requires
from jiceng.accounts.permissions import Permission
from jiceng.accounts.requests import AuthedRequest
from jiceng.core.schemas import MAX_ID, Error, PathId
from jiceng.members.queries import access_managed_member

from . import access, mobility, queries, services
from .models import (
    MobileRegistration,
    MobileState,
    StepAction,
    Transfer,
    TransferKind,
    TransferState,
)

router = Router(tags=["transfers"])
REFUSALS: dict[int, type[Error]] = {400: Error, 403: Error, 404: Error, 409: Error}


class TransferOut(Schema):
    id: int
    member_id: int
    member_name: str
    kind: TransferKind
    state: TransferState
    state_label: str
    from_organization_id: int
    from_organization_name: str
    to_organization_id: int | None
    to_organization_name: str | None
    destination: str = Field(description="接收单位（转出系统外，介绍信抬头）")
    out_approver_id: int = Field(description="转出方审批党组织")
    in_approver_id: int | None = Field(description="接收方审批党组织")
    reason: str
    leaves_on: dt.date
    arrived_on: dt.date | None
    returned_reason: str
    letter_number: str = Field(description="介绍信编号，如（2026）第0012号；未开具为空")
    letter_valid_until: dt.date | None
    receipt_due: dt.date | None = Field(description="回执应收回日期")
    receipt_on: dt.date | None
    dues_paid_to: dt.date | None = Field(description="党费交至")
    actions: list[StepAction] = Field(description="当前用户现在可以办理的步骤")

    @staticmethod
    def of(transfer: Transfer, actions: list[StepAction]) -> TransferOut:
        to = transfer.to_organization
        return TransferOut(
            id=transfer.pk,
            member_id=transfer.member_id,
            member_name=transfer.member.name,
            kind=TransferKind(transfer.kind),
            state=TransferState(transfer.state),
            state_label=transfer.get_state_display(),
            from_organization_id=transfer.from_organization_id,
            from_organization_name=transfer.from_organization.name,
            to_organization_id=to.pk if to else None,
            to_organization_name=to.name if to else None,
            destination=transfer.destination,
            out_approver_id=transfer.out_approver_id,
            in_approver_id=transfer.in_approver_id,
            reason=transfer.reason,
            leaves_on=transfer.leaves_on,
            arrived_on=transfer.arrived_on,
            returned_reason=transfer.returned_reason,
            letter_number=transfer.letter_label,
            letter_valid_until=transfer.letter_valid_until,
            receipt_due=transfer.receipt_due,
            receipt_on=transfer.receipt_on,
            dues_paid_to=transfer.dues_paid_to,
            actions=actions,
        )


def _out(request: AuthedRequest, pk: int) -> TransferOut:
    transfer = queries.access_transfer(request.user, pk)
    return TransferOut.of(transfer, access.actions_for(request.user, transfer))


class TransferIn(Schema):
    member_id: int = Field(ge=1, le=MAX_ID)
    kind: TransferKind = TransferKind.WITHIN
    to_organization_id: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="接收党组织（系统内转接必填）"
    )
    destination: str = Field(default="", max_length=200, description="接收单位（开具介绍信时必填）")
    reason: str = Field(min_length=1, max_length=200)
    leaves_on: dt.date | None = Field(default=None, description="转出日期，默认今天")


class TransferStepIn(Schema):
    seen_state: TransferState | None = Field(
        default=None, description="办理人看到的状态；已被他人办理时答409"
    )
    reason: str = Field(default="", max_length=200, description="说明；退回时必填")
    on: dt.date | None = Field(default=None, description="转入日期或回执收回日期，默认今天")
    valid_days: int | None = Field(
        default=None, ge=1, le=90, description="介绍信有效期（天，转出方审批开具介绍信时）"
    )


Scope = Annotated[str, Query(pattern="^(waiting|outgoing|incoming|late)$")]


@router.get("", response={200: list[TransferOut]}, summary="Transfers of the user's organizations")
@api_requires(Permission.MANAGE_MEMBERS)
def transfer_list(request: AuthedRequest, which: Scope = "waiting") -> list[TransferOut]:
    """which: waiting 待我办理, outgoing 转出, incoming 转入, late 回执逾期 (up to 100)."""
    rows = {
        "waiting": queries.waiting_for,
        "outgoing": queries.outgoing,
        "incoming": queries.incoming,
        "late": queries.late_letters,
    }[which](request.user)[:100]
    return [TransferOut.of(t, access.actions_for(request.user, t)) for t in rows]


@router.get("/{transfer_id}", response={200: TransferOut, 404: Error})
@api_requires(Permission.VIEW_MEMBERS)
def transfer_detail(request: AuthedRequest, transfer_id: PathId) -> TransferOut:
    return _out(request, transfer_id)


@router.post("", response={201: TransferOut, **REFUSALS}, summary="Start a transfer (发起转接)")
@api_requires(Permission.MANAGE_MEMBERS)
def transfer_start(request: AuthedRequest, payload: TransferIn) -> Status[TransferOut]:
    member = access_managed_member(request.user, payload.member_id)
    to = (
        queries.find_receiver(payload.to_organization_id)
        if payload.to_organization_id is not None
        else None
    )
    transfer = services.start_transfer(
        member=member,
        kind=payload.kind,
        to_organization=to,
        destination=payload.destination,
        reason=payload.reason,
        leaves_on=payload.leaves_on,
        by=request.user,
    )
    return Status(201, _out(request, transfer.pk))


def _step(
    request: AuthedRequest, pk: int, action: StepAction, payload: TransferStepIn
) -> TransferOut:
    transfer = queries.access_transfer(request.user, pk)
    if payload.seen_state is not None:
        transfer.state = payload.seen_state
    services.take_step(
        transfer=transfer,
        action=action,
        by=request.user,
        reason=payload.reason,
        on=payload.on,
        valid_days=payload.valid_days,
    )
    return _out(request, pk)


@router.post(
    "/{transfer_id}/approve-out",
    response={200: TransferOut, **REFUSALS},
    summary="转出方党委审批同意（转出系统外时开具介绍信）",
)
@api_requires(Permission.MANAGE_MEMBERS)
def transfer_approve_out(
    request: AuthedRequest, transfer_id: PathId, payload: TransferStepIn
) -> TransferOut:
    return _step(request, transfer_id, StepAction.APPROVE_OUT, payload)


@router.post(
    "/{transfer_id}/approve-in",
    response={200: TransferOut, **REFUSALS},
    summary="接收方党委审批同意",
)
@api_requires(Permission.MANAGE_MEMBERS)
def transfer_approve_in(
    request: AuthedRequest, transfer_id: PathId, payload: TransferStepIn
) -> TransferOut:
    return _step(request, transfer_id, StepAction.APPROVE_IN, payload)


@router.post(
    "/{transfer_id}/confirm",
    response={200: TransferOut, **REFUSALS},
    summary="接收党组织确认转入（党员档案随之转入）",
)
@api_requires(Permission.MANAGE_MEMBERS)
def transfer_confirm(
    request: AuthedRequest, transfer_id: PathId, payload: TransferStepIn
) -> TransferOut:
    return _step(request, transfer_id, StepAction.CONFIRM, payload)


@router.post(
    "/{transfer_id}/return",
    response={200: TransferOut, **REFUSALS},
    summary="退回转出党组织（须说明原因）",
)
@api_requires(Permission.MANAGE_MEMBERS)
def transfer_return(
    request: AuthedRequest, transfer_id: PathId, payload: TransferStepIn
) -> TransferOut:
    return _step(request, transfer_id, StepAction.RETURN, payload)


class TransferReviseIn(TransferStepIn):
    to_organization_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    destination: str | None = Field(default=None, max_length=200)
    new_reason: str | None = Field(default=None, max_length=200, description="改正后的转接原因")
    leaves_on: dt.date | None = None


@router.post(
    "/{transfer_id}/resubmit",
    response={200: TransferOut, **REFUSALS},
    summary="改正后重新提交退回的转接",
)
@api_requires(Permission.MANAGE_MEMBERS)
def transfer_resubmit(
    request: AuthedRequest, transfer_id: PathId, payload: TransferReviseIn
) -> TransferOut:
    transfer = queries.access_transfer(request.user, transfer_id)
    if payload.to_organization_id or payload.destination or payload.new_reason or payload.leaves_on:
        transfer = services.revise_transfer(
            transfer=transfer,
            to_organization=queries.find_receiver(payload.to_organization_id)
            if payload.to_organization_id
            else None,
            destination=payload.destination,
            reason=payload.new_reason,
            leaves_on=payload.leaves_on,
            by=request.user,
        )
    return _step(request, transfer_id, StepAction.RESUBMIT, payload)


@router.post(
    "/{transfer_id}/cancel", response={200: TransferOut, **REFUSALS}, summary="撤销（介绍信作废）"
)
@api_requires(Permission.MANAGE_MEMBERS)
def transfer_cancel(
    request: AuthedRequest, transfer_id: PathId, payload: TransferStepIn
) -> TransferOut:
    return _step(request, transfer_id, StepAction.CANCEL, payload)


@router.post(
    "/{transfer_id}/receipt",
    response={200: TransferOut, **REFUSALS},
    summary="记录回执收回（党员转为已转出）",
)
@api_requires(Permission.MANAGE_MEMBERS)
def transfer_receipt(
    request: AuthedRequest, transfer_id: PathId, payload: TransferStepIn
) -> TransferOut:
    return _step(request, transfer_id, StepAction.RECORD_RECEIPT, payload)


class TransferReceiverOut(Schema):
    id: int
    name: str
    kind_label: str
    division_name: str | None


@router.get(
    "/receivers/search",
    response={200: list[TransferReceiverOut]},
    summary="Organizations that can receive members, by name",
)
@api_requires(Permission.MANAGE_MEMBERS)
def receiver_search(
    request: AuthedRequest, q: Annotated[str, Query(min_length=2, max_length=50)]
) -> list[TransferReceiverOut]:
    return [
        TransferReceiverOut(
            id=o.pk,
            name=o.name,
            kind_label=o.get_kind_display(),
            division_name=o.division.name if o.division else None,
        )
        for o in queries.receiving_candidates(q)
    ]


# -- 流动党员 ----------------------------------------------------------------------------------


class MobileOut(Schema):
    id: int
    member_id: int
    member_name: str
    home_id: int
    home_name: str
    host_id: int
    host_name: str
    state: MobileState
    state_label: str
    starts_on: dt.date
    ends_on: dt.date | None
    place: str
    contact: str
    note: str
    ended_on: dt.date | None

    @staticmethod
    def of(r: MobileRegistration) -> MobileOut:
        return MobileOut(
            id=r.pk,
            member_id=r.member_id,
            member_name=r.member.name,
            home_id=r.home_id,
            home_name=r.home.name,
            host_id=r.host_id,
            host_name=r.host.name,
            state=MobileState(r.state),
            state_label=r.get_state_display(),
            starts_on=r.starts_on,
            ends_on=r.ends_on,
            place=r.place,
            contact=r.contact,
            note=r.note,
            ended_on=r.ended_on,
        )


class MobileIn(Schema):
    member_id: int = Field(ge=1, le=MAX_ID)
    host_id: int = Field(ge=1, le=MAX_ID, description="流入地党组织")
    starts_on: dt.date
    ends_on: dt.date | None = Field(default=None, description="预计返回日期；须在外出日期6个月之后")
    place: str = Field(min_length=1, max_length=200)
    contact: str = Field(default="", max_length=100)


class MobileStepIn(Schema):
    note: str = Field(default="", max_length=200, description="不接收的原因（不接收时必填）")
    on: dt.date | None = Field(default=None, description="结束日期，默认今天")


@router.get(
    "/mobile/registrations",
    response={200: list[MobileOut]},
    summary="流动党员: registered with or away from the user's organizations",
)
@api_requires(Permission.MANAGE_MEMBERS)
def mobile_list(request: AuthedRequest) -> list[MobileOut]:
    rows = [*queries.hosted_by(request.user)[:100], *queries.away_from(request.user)[:100]]
    return [MobileOut.of(r) for r in rows]


@router.get("/mobile/registrations/{registration_id}", response={200: MobileOut, 404: Error})
@api_requires(Permission.VIEW_MEMBERS)
def mobile_detail(request: AuthedRequest, registration_id: PathId) -> MobileOut:
    return MobileOut.of(queries.access_registration(request.user, registration_id))


@router.post(
    "/mobile/registrations",
    response={201: MobileOut, **REFUSALS},
    summary="流动党员登记（流出地发起）",
)
@api_requires(Permission.MANAGE_MEMBERS)
def mobile_register(request: AuthedRequest, payload: MobileIn) -> Status[MobileOut]:
    registration = mobility.register_mobile(
        member=access_managed_member(request.user, payload.member_id),
        host=queries.find_receiver(payload.host_id),
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
        place=payload.place,
        contact=payload.contact,
        by=request.user,
    )
    return Status(201, MobileOut.of(queries.access_registration(request.user, registration.pk)))


@router.post(
    "/mobile/registrations/{registration_id}/accept",
    response={200: MobileOut, **REFUSALS},
    summary="流入地接收",
)
@api_requires(Permission.MANAGE_MEMBERS)
def mobile_accept(request: AuthedRequest, registration_id: PathId) -> MobileOut:
    registration = queries.access_registration(request.user, registration_id)
    return MobileOut.of(mobility.accept_mobile(registration=registration, by=request.user))


@router.post(
    "/mobile/registrations/{registration_id}/decline",
    response={200: MobileOut, **REFUSALS},
    summary="流入地不接收（须说明原因）",
)
@api_requires(Permission.MANAGE_MEMBERS)
def mobile_decline(
    request: AuthedRequest, registration_id: PathId, payload: MobileStepIn
) -> MobileOut:
    registration = queries.access_registration(request.user, registration_id)
    return MobileOut.of(
        mobility.decline_mobile(registration=registration, note=payload.note, by=request.user)
    )


@router.post(
    "/mobile/registrations/{registration_id}/end",
    response={200: MobileOut, **REFUSALS},
    summary="结束登记（返回或迁离）",
)
@api_requires(Permission.MANAGE_MEMBERS)
def mobile_end(request: AuthedRequest, registration_id: PathId, payload: MobileStepIn) -> MobileOut:
    registration = queries.access_registration(request.user, registration_id)
    return MobileOut.of(
        mobility.end_mobile(registration=registration, on=payload.on, by=request.user)
    )
