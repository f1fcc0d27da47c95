"""Transfers (组织关系转接) and mobile members (流动党员) for the synthetic data set and the demo:
a share of the branches has a transfer in each state of transfers.workflow, within the
system (to a branch of the same street or another) or out of it by letter, and some members
away are registered with a host branch. Rows are written with bulk_create in batches: a
county has a few hundred, a scale-0.05 data set a few tens of thousands (DESIGN.md: bulk
paths go raw where the ORM is the bottleneck; here it is not).

A completed transfer within the system is written for a member already in the receiving
branch (their record moved then); the other states leave the member at the sending branch,
as the rules keep them until received."""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q

from jiceng.core import clock
from jiceng.core.paths import under_any
from jiceng.members.models import Member, MemberStatus
from jiceng.orgs.models import BRANCH_KINDS, Organization
from jiceng.transfers import workflow
from jiceng.transfers.models import (
    OPEN_STATES,
    MobileRegistration,
    MobileState,
    StepAction,
    Transfer,
    TransferKind,
    TransferState,
    TransferStep,
)

S, A = TransferState, StepAction
TRANSFER_SHARE = 0.03  # branches with a transfer on record (about 1% of members move a year)
MOBILE_SHARE = 0.01  # branches with a member away
BATCH = 2000

# Each seeded state, with the steps that led there (after START).
STATES: tuple[tuple[TransferKind, TransferState, tuple[StepAction, ...]], ...] = (
    (TransferKind.WITHIN, S.SENT, ()),
    (TransferKind.WITHIN, S.OUT_APPROVED, (A.APPROVE_OUT,)),
    (TransferKind.WITHIN, S.IN_APPROVED, (A.APPROVE_OUT, A.APPROVE_IN)),
    (TransferKind.WITHIN, S.RETURNED, (A.APPROVE_OUT, A.RETURN)),
    (TransferKind.WITHIN, S.COMPLETED, (A.APPROVE_OUT, A.APPROVE_IN, A.CONFIRM)),
    (TransferKind.WITHIN, S.CANCELLED, (A.CANCEL,)),
    (TransferKind.LETTER, S.LETTER_ISSUED, (A.APPROVE_OUT,)),
)
REASONS = ("工作调动", "居住地变更", "毕业离校", "单位改制", "随迁家属", "退休后返乡")
DESTINATIONS = (
    "中共上海市浦东新区委员会组织部",
    "中共杭州市西湖区委员会组织部",
    "中共合肥市蜀山区委员会组织部",
)


@dataclass
class TransferSeedResult:
    transfers: int = 0
    registrations: int = 0
    seconds: float = 0.0


@dataclass(frozen=True)
class _Org:
    pk: int
    path: str
    kind: str
    name: str


class _Tree:
    """The organizations of the seeded subtrees by path, to find each branch's approving
    committee (workflow.approver_of) without a query per branch."""

    def __init__(self, under: list[str] | None) -> None:
        rows = Organization.objects.order_by("path")
        if under:
            # the subtrees and every ancestor above them
            prefixes = sorted({p[:i] for p in under for i in range(4, len(p) + 1, 4)})
            rows = rows.filter(under_any(under) | Q(path__in=prefixes))
        self.by_path = {
            path: _Org(pk, path, kind, name)
            for pk, path, kind, name in rows.values_list("pk", "path", "kind", "name")
        }
        self.branches = [o for o in self.by_path.values() if o.kind in BRANCH_KINDS]
        self._approver: dict[str, int | None] = {}

    def approver(self, org: _Org) -> int | None:
        found = self._approver.get(org.path, -1)
        if found != -1:
            return found
        chain = [
            (self.by_path[org.path[:i]].pk, self.by_path[org.path[:i]].kind)
            for i in range(len(org.path), 0, -4)
            if org.path[:i] in self.by_path
        ]
        answer = workflow.approver_of(chain)
        self._approver[org.path] = answer
        return answer

    def street_of(self, org: _Org) -> str:
        return org.path[:20]  # national, province, city, county, street


def seed_transfers(
    *,
    as_of: dt.date | None = None,
    seed: int = 1,
    under: list[str] | None = None,
    must_have: tuple[int, ...] = (),
) -> TransferSeedResult:
    """Transfers and mobile registrations for the branches under `under` (all when None),
    once: where transfers were seeded before it adds nothing. The branches `must_have` (the
    demo secretary's) send one in every state, receive one in each state of the receiving
    side, and have a member away and one hosted waiting to be accepted."""
    started = time.perf_counter()
    as_of = as_of or clock.today()
    rng = random.Random(seed * 7919 + 13)  # noqa: S311  # synthetic data
    tree = _Tree(under)
    branches = [b for b in tree.branches if b.pk]
    seeded = Transfer.objects.all()
    if under:
        seeded = seeded.filter(under_any(under, "from_organization__path"))
    if seeded.exists():  # seeded before: run again, it adds nothing
        return TransferSeedResult(seconds=time.perf_counter() - started)
    if len(branches) < 2:
        return TransferSeedResult(seconds=time.perf_counter() - started)
    picked = [b for b in branches if rng.random() < TRANSFER_SHARE or b.pk in must_have]
    away = [b for b in branches if rng.random() < MOBILE_SHARE or b.pk in must_have]
    wanted = {b.pk for b in picked} | {b.pk for b in away}
    # receivers: the demo branch also receives, from branches of other streets
    receivers_for_demo = [b for b in branches if b.pk not in must_have]
    if must_have:
        extra = rng.sample(receivers_for_demo, min(6, len(receivers_for_demo)))
        wanted |= {b.pk for b in extra}
    else:
        extra = []
    members: dict[int, list[int]] = defaultdict(list)
    busy = set(Transfer.objects.filter(state__in=OPEN_STATES).values_list("member_id", flat=True))
    for org_id, member_id in (
        Member.objects.filter(
            organization_id__in=wanted,
            status__in=[MemberStatus.FULL, MemberStatus.PROBATIONARY],
            is_mobile=False,
        )
        .values_list("organization_id", "pk")
        .order_by("organization_id", "pk")
    ):
        if member_id not in busy and len(members[org_id]) < 12:
            members[org_id].append(member_id)
    by_pk = {b.pk: b for b in branches}
    plans: list[
        tuple[int, _Org, _Org | None, TransferKind, TransferState, tuple[StepAction, ...]]
    ] = []

    def take(org: _Org) -> int | None:
        found = members.get(org.pk)
        return found.pop() if found else None

    def other_branch(org: _Org, *, other_street: bool) -> _Org:
        for _ in range(20):
            candidate = branches[rng.randrange(len(branches))]
            if candidate.pk == org.pk:
                continue
            if other_street == (tree.street_of(candidate) != tree.street_of(org)):
                return candidate
        return next(b for b in branches if b.pk != org.pk)

    for i, org in enumerate(picked):
        states = STATES if org.pk in must_have else (STATES[i % len(STATES)],)
        for kind, state, steps in states:
            taken = take(org)  # the member is where the record is now
            if taken is None:
                continue
            member_id = taken
            if kind == TransferKind.LETTER:
                plans.append((member_id, org, None, kind, state, steps))
                continue
            other = other_branch(org, other_street=rng.random() < 0.5)
            if state == S.COMPLETED:  # received here from another branch
                plans.append((member_id, other, org, kind, state, steps))
            else:
                plans.append((member_id, org, other, kind, state, steps))
    # the demo branch receives: from other streets, in each state on the receiving side
    for org_pk in must_have:
        demo = by_pk.get(org_pk)
        if demo is None:
            continue
        for sender, (kind, state, steps) in zip(extra, STATES[:5], strict=False):
            holder = demo if state == S.COMPLETED else sender
            found = take(holder)
            if found is not None:
                plans.append((found, sender, demo, kind, state, steps))

    transfers: list[tuple[Transfer, tuple[StepAction, ...], dt.datetime]] = []
    step_rows: list[TransferStep] = []
    numbers: dict[tuple[int, int], int] = defaultdict(int)
    now = clock.now()
    for n, (member_id, org, receiver, kind, state, steps) in enumerate(plans):
        out_approver = tree.approver(org)
        in_approver = tree.approver(receiver) if receiver else None
        if out_approver is None or (receiver is not None and in_approver is None):
            continue
        age = 3 + (n * 7) % 40  # days since it was started
        started_at = now - dt.timedelta(days=age)
        leaves_on = as_of - dt.timedelta(days=age)
        # one committee on both sides approves once: its transfers skip 接收方审批
        same = in_approver == out_approver
        steps = tuple(a for a in steps if not (same and a is A.APPROVE_IN))
        state = _replay(kind, steps, same=same)
        row = Transfer(
            member_id=member_id,
            kind=kind,
            state=state,
            from_organization_id=org.pk,
            to_organization_id=receiver.pk if receiver else None,
            destination="" if receiver else DESTINATIONS[n % len(DESTINATIONS)],
            out_approver_id=out_approver,
            in_approver_id=in_approver,
            reason=REASONS[n % len(REASONS)],
            leaves_on=leaves_on,
            started_at=started_at,
            updated_at=started_at + dt.timedelta(days=len(steps)),
        )
        if state == S.RETURNED:
            row.returned_reason = "请补充近三个月党费交纳情况"
        if state == S.COMPLETED:
            row.arrived_on = min(as_of, leaves_on + dt.timedelta(days=len(steps) + 1))
        if kind == TransferKind.LETTER:
            issued = leaves_on + dt.timedelta(days=1)
            numbers[(out_approver, issued.year)] += 1
            row.letter_issuer_id = out_approver
            row.letter_year = issued.year
            row.letter_number = numbers[(out_approver, issued.year)]
            row.letter_token = f"seed{seed}-{n}-{rng.getrandbits(64):x}"
            row.letter_issued_on = issued
            row.letter_valid_until = issued + dt.timedelta(days=workflow.LETTER_VALID_DAYS_DEFAULT)
            row.receipt_due = issued + dt.timedelta(days=30)
        transfers.append((row, steps, started_at))
    _number_after_existing(transfers)
    with transaction.atomic():
        made = Transfer.objects.bulk_create([t for t, _, _ in transfers], batch_size=BATCH)
        for transfer, (_, steps, started_at) in zip(made, transfers, strict=True):
            state = S.SENT
            step_rows.append(
                TransferStep(
                    transfer=transfer,
                    action=A.START,
                    from_state=S.SENT,
                    to_state=S.SENT,
                    note=transfer.reason,
                    at=started_at,
                )
            )
            for k, action in enumerate(steps, start=1):
                target = _after(transfer, action, state)
                step_rows.append(
                    TransferStep(
                        transfer=transfer,
                        action=action,
                        from_state=state,
                        to_state=target,
                        note=transfer.returned_reason if action == A.RETURN else "",
                        at=started_at + dt.timedelta(days=k),
                    )
                )
                state = target
        TransferStep.objects.bulk_create(step_rows, batch_size=BATCH)
        registrations = _registrations(away, branches, take, rng, as_of, must_have, extra)
    return TransferSeedResult(
        transfers=len(made), registrations=registrations, seconds=time.perf_counter() - started
    )


def _after(transfer: Transfer, action: StepAction, state: TransferState) -> TransferState:
    return workflow.arrival(
        transfer.kind,
        action,
        state,
        same_approver=transfer.in_approver_id == transfer.out_approver_id,
    )


def _replay(kind: TransferKind, steps: tuple[StepAction, ...], *, same: bool) -> TransferState:
    """The state `steps` lead to from SENT (workflow's table, so the seed keeps its rules)."""
    state = S.SENT
    for action in steps:
        state = workflow.arrival(kind, action, state, same_approver=same)
    return state


def _number_after_existing(
    transfers: list[tuple[Transfer, tuple[StepAction, ...], dt.datetime]],
) -> None:
    """Letter numbers continue after those an issuer already gave that year."""
    issuers = {t.letter_issuer_id for t, _, _ in transfers if t.letter_issuer_id}
    if not issuers:
        return
    highest: dict[tuple[int | None, int | None], int] = {}
    for issuer, year, number in Transfer.objects.filter(
        letter_issuer_id__in=issuers, letter_number__isnull=False
    ).values_list("letter_issuer_id", "letter_year", "letter_number"):
        key = (issuer, year)
        highest[key] = max(highest.get(key, 0), number or 0)
    for t, _, _ in transfers:
        if t.letter_issuer_id and t.letter_year:
            t.letter_number = (t.letter_number or 0) + highest.get(
                (t.letter_issuer_id, t.letter_year), 0
            )


def _registrations(away, branches, take, rng, as_of, must_have, senders) -> int:  # type: ignore[no-untyped-def]
    """Members away (流动党员): most accepted by their host, some waiting."""
    rows = []
    hosts_for_demo = [b for b in branches if b.pk not in must_have]
    for n, org in enumerate(away):
        member_id = take(org)
        if member_id is None:
            continue
        host = hosts_for_demo[rng.randrange(len(hosts_for_demo))]
        state = MobileState.PENDING if n % 4 == 3 else MobileState.ACTIVE
        starts = as_of - dt.timedelta(days=30 + (n * 11) % 300)
        rows.append(_registration(member_id, org, host, state, starts, n))
    for org_pk in must_have:  # the demo branch hosts one member waiting to be accepted
        demo = next((b for b in branches if b.pk == org_pk), None)
        for sender in senders:
            member_id = take(sender)
            if member_id is not None:
                break
        else:
            continue
        if demo is not None:
            rows.append(
                _registration(
                    member_id, sender, demo, MobileState.PENDING, as_of - dt.timedelta(days=20), 0
                )
            )
    MobileRegistration.objects.bulk_create(rows, batch_size=BATCH)
    Member.objects.filter(
        pk__in=[r.member_id for r in rows if r.state == MobileState.ACTIVE]
    ).update(is_mobile=True)
    return len(rows)


def _registration(member_id, home, host, state, starts, n) -> MobileRegistration:  # type: ignore[no-untyped-def]
    return MobileRegistration(
        member_id=member_id,
        home_id=home.pk,
        host_id=host.pk,
        state=state,
        starts_on=starts,
        ends_on=None if n % 3 else workflow.add_months(starts, 12),
        place=f"{host.name}辖区",
        contact="党群服务中心",
        accepted_at=clock.now() if state == MobileState.ACTIVE else None,
    )
