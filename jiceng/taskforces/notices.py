"""缺员通知: a task force's gap list told to the members who live where its sites with gaps
are (their residential community), as rows in the notice centre at once and by e-mail and
SMS in batches (`deliver_pending`, every JICENG_SCHEDULE["taskforce_notices"] seconds), as the
case notices go (cases.notices)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django_tasks import task

from jiceng.accounts.models import User
from jiceng.core import audit, clock
from jiceng.core.errors import InvalidInput
from jiceng.members.models import ACTIVE_STATUSES
from jiceng.notices import channels

from . import queries
from .models import GapNotice, TaskForce
from .services import check_can_manage

GAP_DAYS = 7  # the gap list told: the shifts of the coming week
NAMED_SITES = 3


def gap_text(task_force: TaskForce, *, shifts: int, places: int, site_names: list[str]) -> str:
    sites = "、".join(site_names[:NAMED_SITES]) + ("等" if len(site_names) > NAMED_SITES else "")
    return (
        f"党员突击队「{task_force.name}」未来{GAP_DAYS}天还有{shifts}个班次缺{places}人"
        f"（{sites}），就在您居住的社区，欢迎报名。"
    )[:200]


@transaction.atomic
def send_gap_notice(*, by: User | None, task_force: TaskForce) -> int:
    """Tells each member living in a community that holds a site with gaps in the coming week
    (one notice per member, whatever the number of sites); how many were told."""
    check_can_manage(by, task_force.organization)
    now = clock.now()
    gap_shifts = queries.gap_shifts(task_force, start=now, days=GAP_DAYS)
    rows = list(gap_shifts.values_list("needed", "taken", "site__name", "site__community_id"))
    if not rows:
        raise InvalidInput("未来7天没有缺员的班次，无需发送缺员通知")
    communities = {community for *_, community in rows}
    site_names = sorted({name for _, _, name, _ in rows})
    text = gap_text(
        task_force,
        shifts=len(rows),
        places=sum(needed - taken for needed, taken, *_ in rows),
        site_names=site_names,
    )
    user_ids = sorted(
        set(
            User.objects.filter(
                is_active=True,
                member__residential_division_id__in=communities,
                member__status__in=ACTIVE_STATUSES,
            ).values_list("pk", flat=True)
        )
    )
    GapNotice.objects.bulk_create(
        [GapNotice(user_id=u, task_force=task_force, text=text, created_at=now) for u in user_ids],
        batch_size=2000,
    )
    audit.record(
        audit.AuditEvent.WRITE,
        action="taskforces.send_gap_notice",
        target=task_force,
        user=by,
        detail={"recipients": len(user_ids)},
    )
    return len(user_ids)


DELIVERY_BATCH = 500
STALE_AFTER = dt.timedelta(hours=1)


def deliver_pending() -> int:
    """Sends the gap notices not yet sent, by every channel in use, each once: a batch is
    claimed by marking it with this run's time under a condition; the messages sent."""
    sent = 0
    while True:
        now = clock.now()
        waiting = list(
            GapNotice.objects.filter(sent_at__isnull=True)
            .order_by("pk")
            .values_list("pk", flat=True)[:DELIVERY_BATCH]
        )
        if not waiting:
            return sent
        claimed = GapNotice.objects.filter(pk__in=waiting, sent_at__isnull=True).update(sent_at=now)
        if claimed and channels.channels():
            mine = [
                n
                for n in GapNotice.objects.filter(pk__in=waiting, sent_at=now)
                if n.created_at >= now - STALE_AFTER
            ]
            recipients = channels.recipients_of_users(n.user_id for n in mine)
            delivered = channels.deliver(
                [(recipients[n.user_id], n.text) for n in mine if n.user_id in recipients]
            )
            sent += delivered.email + delivered.sms
        if len(waiting) < DELIVERY_BATCH:
            return sent


@task()
def deliver_notices() -> int:
    """The periodic sending of gap notices by e-mail and SMS (core.scheduler)."""
    return deliver_pending()
