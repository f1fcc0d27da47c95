"""Background work of the core that the scheduler enqueues: the audit chain's checkpoint and
the monthly partitions' upkeep."""

from __future__ import annotations

from django_tasks import task

from . import audit_checkpoints, partitions


@task()
def audit_checkpoint() -> int | None:
    """The same as `jiceng audit checkpoint`: the chain's head written down outside the
    database. The checkpoint's number; None when the head has not moved since the last one.
    A head that went backwards fails the task (CheckpointError, kept in its result)."""
    entry = audit_checkpoints.take(reason="scheduled")
    return entry.n if entry is not None else None


@task()
def maintain_partitions() -> dict[str, object]:
    """The same as `jiceng partitions`: the coming months' partitions made and the months past
    their retention dropped (PostgreSQL; nothing on SQLite)."""
    upkeep = partitions.maintain()
    return {"created": upkeep.created, "dropped": upkeep.dropped}
