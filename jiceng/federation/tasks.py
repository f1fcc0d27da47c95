"""The exchange on the scheduler (core.scheduler "federation_outbox", "federation_inbox"):
the due outbox messages handed over, the new inbox messages acted on. Each does nothing where
this instance exchanges with no other (federation.keys.is_configured); each may run twice at
once without harm (the outbox rows are locked as they are sent, an inbox message is taken once).
"""

from __future__ import annotations

from django_tasks import task

from . import exchange, keys


@task()
def deliver_outbox() -> int:
    """The messages handed over this run."""
    if not keys.is_configured():
        return 0
    return exchange.deliver_due().delivered


@task()
def receive_inbox() -> int:
    """The messages acted on this run."""
    if not keys.is_configured():
        return 0
    return exchange.receive()
