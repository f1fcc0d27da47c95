"""jiceng scheduler: enqueue the periodic tasks (core.scheduler) until stopped; `jiceng
db_worker` runs them. On SQLite it also checkpoints the WAL (core.sqlite.checkpoints). One
scheduler per installation (make serve and systemd start one)."""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand

from jiceng.core import scheduler
from jiceng.core.sqlite import checkpoints


class Command(BaseCommand):
    help = (
        "定时任务：按 JICENG_SCHEDULE 的间隔把周期任务"
        "（超时诉求、会前提醒、组织生活预警、审计检查点）放入任务队列"
    )

    def handle(self, *args: Any, **options: Any) -> None:
        jobs = scheduler.jobs()
        stop = threading.Event()

        def stopping(signum: int, frame: FrameType | None) -> None:
            stop.set()

        signal.signal(signal.SIGINT, stopping)
        signal.signal(signal.SIGTERM, stopping)
        listed = [
            "，".join(f"{job.name} 每 {int(job.every.total_seconds())} 秒" for job in jobs)
            or "没有周期任务"
        ]
        checkpointing = checkpoints.start(stop)
        if checkpointing is not None:
            listed.append(f"SQLite 每 {checkpoints.interval():g} 秒做一次检查点")
        self.stdout.write(f"定时任务已启动：{'；'.join(listed)}", ending="\n")
        self.stdout.flush()
        scheduler.Scheduler(jobs).run(stop)
        if checkpointing is not None:
            checkpointing.join(timeout=10)
        self.stdout.write("定时任务已停止")
