"""The background work's heartbeat: a row the worker writes each time the scheduler's
`heartbeat` job reaches it (ops.tasks.beat)."""

from __future__ import annotations

from django.db import models


class Heartbeat(models.Model):
    """The last time a named piece of the installation showed it works. `background`: the
    scheduler queued the heartbeat task and a worker ran it, so both are alive."""

    name = models.CharField("名称", max_length=40, primary_key=True)
    beat_at = models.DateTimeField("最近一次")

    class Meta:
        verbose_name = "心跳"
        verbose_name_plural = "心跳"

    def __str__(self) -> str:
        return f"{self.name} {self.beat_at:%Y-%m-%d %H:%M:%S}"
