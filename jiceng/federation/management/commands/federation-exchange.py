"""jiceng federation-exchange: hand the due outbox messages to their instances (retried with a
growing wait while a receiver is down), then open and act on the new inbox messages. The
scheduler does the same every minute (JICENG_SCHEDULE federation_outbox, federation_inbox);
this command is for a run by hand or from a systemd timer. Two runs at once do not send twice."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from jiceng.federation import exchange


class Command(BaseCommand):
    help = "跨实例消息交换：投递发件箱，处理收件箱"

    def handle(self, *args: Any, **options: Any) -> None:
        sent = exchange.deliver_due()
        received = exchange.receive()
        self.stdout.write(f"送达 {sent.delivered}，待重试 {sent.failed}；收件处理 {received}")
