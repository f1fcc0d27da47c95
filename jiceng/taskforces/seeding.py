"""Task forces in the demo (and any seeded district): for each district, a task force running
this week with three shifts a day at its sites, filled in part (gaps left for the board and the
gap notice), and past task forces over the year with their hours confirmed. Written in bulk;
the kept figures (places, hours) computed from the rows written."""

from __future__ import annotations

import datetime as dt
import random
import secrets
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db import models, transaction
from django.db.models import F
from django.utils.timezone import localtime, make_aware

from jiceng.accounts.models import User
from jiceng.core import clock, crypto
from jiceng.core.masking import mask_phone
from jiceng.core.paths import under
from jiceng.grid.models import Grid
from jiceng.members.models import ACTIVE_STATUSES, Member
from jiceng.members.services import PHONE_FIELD, phone_digest
from jiceng.orgs.models import Organization, OrgKind

from .models import Assignment, Confirmation, How, Kind, Shift, Site, TaskForce, Volunteer

SLOTS = ((8, 12), (12, 16), (16, 20))
# Past task forces over the year: (month, day, days, name, purpose, sites).
PAST = (
    (1, 26, 4, "春节安保党员突击队", "春节期间重点区域安保巡查", 4),
    (4, 3, 3, "清明文明祭扫党员突击队", "祭扫高峰疏导", 3),
    (6, 18, 5, "防汛抢险党员突击队", "汛期河堤巡查和物资转运", 5),
    (7, 22, 4, "高温送清凉党员突击队", "户外劳动者送清凉", 3),
    (10, 1, 5, "国庆安保党员突击队", "节日期间安保和文明引导", 4),
    (11, 8, 3, "消防安全排查党员突击队", "老旧小区消防安全排查", 3),
)


# How the sites, shifts and assignments are written: a list of one model's new rows in, their
# primary keys set. The ORM's bulk_create by default; a bulk load (the scale seed) hands in a
# writer of its own.
Save = Callable[[Sequence[models.Model]], None]


def bulk_create(rows: Sequence[models.Model]) -> None:
    if rows:
        type(rows[0])._default_manager.bulk_create(rows, batch_size=2000)


@dataclass
class TaskForceSeedResult:
    task_forces: int = 0
    shifts: int = 0
    assignments: int = 0


def _districts(paths: list[str] | None) -> list[Organization]:
    found = Organization.objects.filter(kind=OrgKind.LOCAL_COMMITTEE, division__level=3)
    if paths:
        q = under(paths[0])
        for p in paths[1:]:
            q |= under(p)
        found = found.filter(q)
    return list(found.order_by("path"))


@transaction.atomic
def seed_taskforces(
    *,
    as_of: dt.date | None = None,
    seed: int = 1,
    under_paths: list[str] | None = None,
    focus_member_id: int | None = None,
    lead_member_id: int | None = None,
    save: Save = bulk_create,
) -> TaskForceSeedResult:
    """Idempotent: a district with task forces is left as it is. `focus_member_id` (the demo
    member) lives where the current task force's first site is and holds shifts this week;
    `lead_member_id` (the demo secretary) leads that site. `save` writes the many rows."""
    as_of = as_of or clock.today()
    rng = random.Random(seed * 7919 + 15)  # noqa: S311  # synthetic data
    result = TaskForceSeedResult()
    for district in _districts(under_paths):
        if TaskForce.objects.filter(under(district.path, "organization__path")).exists():
            continue
        _seed_district(district, as_of, rng, result, focus_member_id, lead_member_id, save)
    return result


def _seed_district(
    district: Organization,
    as_of: dt.date,
    rng: random.Random,
    result: TaskForceSeedResult,
    focus_member_id: int | None,
    lead_member_id: int | None,
    save: Save,
) -> None:
    prefix = district.division_id[:6] if district.division_id else ""
    grids = list(
        Grid.objects.filter(code__startswith=prefix, is_active=True).order_by("code")[:400]
    )
    if not grids:
        return
    members = list(
        Member.objects.filter(
            under(district.path, "organization__path"), status__in=ACTIVE_STATUSES
        ).values_list("pk", "residential_division_id", "organization__division_id")[:4000]
    )
    if not members:
        return
    focus = next((m for m in members if m[0] == focus_member_id), None)
    if focus_member_id and focus is None:
        row = (
            Member.objects.filter(pk=focus_member_id)
            .values_list("pk", "residential_division_id", "organization__division_id")
            .first()
        )
        focus = row
    # The demo member's community first, so that the gap notice reaches them.
    home = (focus[1] or focus[2]) if focus else None
    first = list(
        Grid.objects.filter(community_id=home, is_active=True).order_by("code")[:1] if home else []
    )
    rng.shuffle(grids)
    streets = list(
        Organization.objects.filter(
            under(district.path), kind=OrgKind.WORKING_COMMITTEE, depth=district.depth + 1
        ).order_by("path")
    ) or [district]
    now = clock.now()
    # this week: from two days ago to four days ahead
    week_start = as_of - dt.timedelta(days=2)
    current = TaskForce.objects.create(
        name="防汛抢险党员突击队（本周）",
        kind=Kind.EVENT,
        organization=district,
        purpose="汛期河堤、泵站和低洼小区值守",
        starts_on=week_start,
        ends_on=week_start + dt.timedelta(days=6),
        created_at=now,
    )
    sites_of_current = (first + [g for g in grids if g.pk not in {f.pk for f in first}])[:12]
    _fill(
        current,
        sites_of_current,
        week_start,
        7,
        as_of,
        rng,
        members,
        result,
        share=0.7,
        focus_id=focus[0] if focus else None,
        lead_id=lead_member_id,
        save=save,
    )
    for month, day, days, name, purpose, n_sites in PAST:
        starts = dt.date(as_of.year, month, day)
        if starts + dt.timedelta(days=days) > as_of:
            continue
        organization = streets[(month + day) % len(streets)] if month % 2 else district
        tf = TaskForce.objects.create(
            name=name,
            kind=Kind.EVENT,
            organization=organization,
            purpose=purpose,
            starts_on=starts,
            ends_on=starts + dt.timedelta(days=days - 1),
            is_open=False,
            created_at=make_aware(dt.datetime.combine(starts - dt.timedelta(days=3), dt.time(9))),
        )
        _fill(
            tf,
            rng.sample(grids, min(n_sites, len(grids))),
            starts,
            days,
            as_of,
            rng,
            members,
            result,
            share=0.9,
            focus_id=None,
            lead_id=None,
            save=save,
        )
    _volunteers(current, rng, result, save)


def _fill(
    tf: TaskForce,
    grids: list[Grid],
    first_day: dt.date,
    days: int,
    as_of: dt.date,
    rng: random.Random,
    members: Sequence[tuple[int, str | None, str | None]],
    result: TaskForceSeedResult,
    *,
    share: float,
    focus_id: int | None,
    lead_id: int | None,
    save: Save,
) -> None:
    now = clock.now()
    near: dict[str, list[int]] = defaultdict(list)
    for pk, home, org_division in members:
        near[home or org_division or ""].append(pk)
    everyone = [m[0] for m in members]
    sites = [
        Site(
            task_force=tf,
            name=f"{g.name.replace('网格', '')}值守点",
            address=f"{g.name}内",
            lon=round((g.min_lon + g.max_lon) / 2, 6),
            lat=round((g.min_lat + g.max_lat) / 2, 6),
            community_id=g.community_id,
            grid=g,
            lead_id=lead_id
            if i == 0 and lead_id
            else rng.choice(near.get(g.community_id) or everyone),
            checkin_secret=secrets.token_hex(16),
        )
        for i, g in enumerate(grids)
    ]
    save(sites)
    shifts: list[Shift] = []
    for site in sites:
        for d in range(days):
            day = first_day + dt.timedelta(days=d)
            for start, end in SLOTS:
                shifts.append(
                    Shift(
                        task_force=tf,
                        site=site,
                        starts_at=make_aware(dt.datetime.combine(day, dt.time(start))),
                        ends_at=make_aware(dt.datetime.combine(day, dt.time(end))),
                        needed=rng.choice((2, 2, 3)),
                    )
                )
    # Who takes each shift is drawn before the shifts are written, so each goes in with its
    # `taken` count (no update of every shift afterwards); the assignments follow the shifts.
    busy: dict[int, set[tuple[dt.date, int]]] = defaultdict(set)
    takers: list[list[int]] = []
    focus_shifts = 0
    site_community = {s.pk: s.community_id for s in sites}
    for shift in shifts:
        pool = near.get(site_community[shift.site_id]) or everyone
        want = sum(1 for _ in range(shift.needed) if rng.random() < share)
        local = localtime(shift.starts_at)
        key = (local.date(), local.hour)
        chosen: list[int] = []
        if (
            focus_id is not None
            and shift.site_id == sites[0].pk
            and focus_shifts < 3
            and local.hour == 8
            and abs((local.date() - as_of).days) <= 1
        ):
            chosen.append(focus_id)
            busy[focus_id].add(key)
            focus_shifts += 1
        for _ in range(want * 3):
            if len(chosen) >= want:
                break
            pk = rng.choice(pool) if rng.random() < 0.8 else rng.choice(everyone)
            if pk in chosen or key in busy[pk] or pk == focus_id:
                continue
            busy[pk].add(key)
            chosen.append(pk)
        shift.taken = len(chosen)
        takers.append(chosen)
    save(shifts)
    rows: list[Assignment] = []
    for shift, chosen in zip(shifts, takers, strict=True):
        for pk in chosen:
            done = shift.ends_at <= now
            by_checkin = done and rng.random() < 0.5
            minutes = int((shift.ends_at - shift.starts_at).total_seconds() // 60)
            rows.append(
                Assignment(
                    shift=shift,
                    task_force=tf,
                    starts_at=shift.starts_at,
                    ends_at=shift.ends_at,
                    member_id=pk,
                    how=How.VOLUNTEERED if rng.random() < 0.8 else How.ASSIGNED,
                    checked_in_at=shift.starts_at + dt.timedelta(minutes=rng.randint(-10, 10))
                    if by_checkin
                    else None,
                    checked_out_at=shift.ends_at - dt.timedelta(minutes=rng.randint(0, 5))
                    if by_checkin
                    else None,
                    minutes_confirmed=(minutes - (rng.randint(0, 5) if by_checkin else 0))
                    if done
                    else None,
                    confirmed_how=(Confirmation.CHECKIN if by_checkin else Confirmation.LEAD)
                    if done
                    else "",
                    confirmed_at=shift.ends_at if done else None,
                    created_at=shift.starts_at - dt.timedelta(days=1),
                )
            )
    save(rows)
    TaskForce.objects.filter(pk=tf.pk).update(
        places_needed=sum(s.needed for s in shifts),
        places_taken=len(rows),
        minutes_confirmed=sum(a.minutes_confirmed or 0 for a in rows),
    )
    result.task_forces += 1
    result.shifts += len(shifts)
    result.assignments += len(rows)


def _volunteers(tf: TaskForce, rng: random.Random, result: TaskForceSeedResult, save: Save) -> None:
    """A few volunteers (志愿者) on the current task force's coming shifts, their assignments
    written by `save` like the members' (the scale seed's writer hands out the ids)."""
    now = clock.now()
    open_shifts = list(
        Shift.objects.filter(task_force=tf, starts_at__gt=now).order_by("starts_at")[:40]
    )
    names = ("王阿姨", "刘师傅", "赵同学", "孙大姐", "周师傅")
    for i, name in enumerate(names):
        phone = f"1390000{rng.randint(1000, 9999)}"
        volunteer, _ = Volunteer.objects.get_or_create(
            phone_digest=phone_digest(phone),
            defaults={
                "name": name,
                "phone_sealed": crypto.seal(phone, field=PHONE_FIELD),
                "phone_masked": mask_phone(phone),
            },
        )
        shift = next((s for s in open_shifts[i * 7 :] if s.taken < s.needed), None)
        if shift is None:
            continue
        save(
            [
                Assignment(
                    shift=shift,
                    task_force=tf,
                    starts_at=shift.starts_at,
                    ends_at=shift.ends_at,
                    volunteer=volunteer,
                )
            ]
        )
        Shift.objects.filter(pk=shift.pk).update(taken=F("taken") + 1)
        shift.taken += 1
        TaskForce.objects.filter(pk=tf.pk).update(places_taken=F("places_taken") + 1)
        result.assignments += 1


def demo_people() -> tuple[int | None, int | None]:
    """The demo member and the demo secretary's member records, if they have them."""
    member = User.objects.filter(username="member-demo").values_list("member_id", flat=True).first()
    lead = (
        User.objects.filter(username="secretary-demo").values_list("member_id", flat=True).first()
    )
    return member, lead
