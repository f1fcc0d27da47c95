"""What readiness checks (`/readyz`): the database answers, every migration is applied, and
the background work's heartbeat (reported, not failed on: see ops.views.readyz)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor

from . import heartbeats

logger = logging.getLogger(__name__)


@dataclass
class _Applied:
    """Set once a check finds no migration pending: a running process's code does not gain
    migrations (a deployment restarts it), so the graph is not read again."""

    all: bool = False


_applied = _Applied()


@dataclass(frozen=True)
class Readiness:
    database: str  # "ok", or the class of the error (the log has the rest)
    pending_migrations: list[str] = field(default_factory=list)
    background: heartbeats.Pulse | None = None

    @property
    def ready(self) -> bool:
        return self.database == "ok" and not self.pending_migrations


def pending_migrations(alias: str = DEFAULT_DB_ALIAS) -> list[str]:
    """The migrations of this code not yet applied to the database, as "app.name"."""
    if _applied.all:
        return []
    executor = MigrationExecutor(connections[alias])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    pending = [f"{migration.app_label}.{migration.name}" for migration, _ in plan]
    _applied.all = not pending
    return pending


def readiness() -> Readiness:
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        pending = pending_migrations()
        # the heartbeat's table may be one of the pending migrations
        background = heartbeats.pulse() if not pending else None
    except DatabaseError as error:
        logger.warning("readiness: the database does not answer: %s", error)
        return Readiness(database=type(error).__name__)
    return Readiness(database="ok", pending_migrations=pending, background=background)
