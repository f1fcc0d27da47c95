"""The on-site check as a periodic task (core.scheduler "village_presence"): terms past their
end are ended, last month and this month so far are checked (presence.check_month rebuilds a
month whole, so a daily run is idempotent)."""

from __future__ import annotations

from django_tasks import task

from . import presence


@task()
def check_village_presence() -> int:
    """驻村在岗核查: the number of cadre-months checked."""
    return presence.run()["checked"]
