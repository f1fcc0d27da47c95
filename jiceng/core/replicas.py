"""Reads from a streaming replica where a few seconds' age does no harm, the primary elsewhere.

With JICENG_REPLICA_URL set, settings.DATABASES has a "replica" alias (a hot standby, through
its PgBouncer). Every read still goes to the primary unless the code asks for the replica:
the report and dashboard views are wrapped in `reads_from_replica`, and only their reads go
there, and only when all of these hold:

- the replica is no further behind than JICENG_REPLICA_MAX_LAG_SECONDS (measured on the
  replica at most every LAG_CHECK_SECONDS per process; a replica that does not answer counts
  as behind), so a lagging replica is bypassed, not waited for;
- the user has not written in the last JICENG_PRIMARY_STICKY_SECONDS (a cookie set by
  `PrimaryAfterWriteMiddleware` after any successful POST, PUT, PATCH or DELETE): a user reads
  their own writes back from the primary;
- no transaction is open on the primary (what it wrote is not on the replica yet);
- the model is not one of the accounts and sessions, which must be read as they are now.

Code whose reads must be fresh (a check before a write, a number someone acts on) runs outside
`replica_reads`, which is the default, or inside `primary_reads` within a wrapped view.
"""

from __future__ import annotations

import contextlib
import functools
import math
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any, ParamSpec, Protocol

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, models
from django.http import HttpRequest, HttpResponse

REPLICA = "replica"
STICKY_COOKIE = "jiceng_primary"
LAG_CHECK_SECONDS = 2.0
# Read as they are now, never from a copy: who is logged in, with which rights and lockouts.
PRIMARY_ONLY_APPS = frozenset({"sessions", "auth", "accounts", "axes", "otp_totp", "otp_static"})
WRITING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

# How far behind the replica is, in seconds: 0 when it has replayed all it received and is
# receiving; "infinitely" far when it receives nothing (its primary gone, or it is cut off);
# else the age of the last transaction it replayed. On a primary (no recovery) 0.
LAG_SQL = """
SELECT CASE
    WHEN NOT pg_is_in_recovery() THEN 0
    WHEN NOT EXISTS (SELECT 1 FROM pg_stat_wal_receiver) THEN 'Infinity'::float8
    WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
    ELSE COALESCE(
        EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())::float8, 'Infinity'::float8
    )
END
"""

_replica_allowed: ContextVar[bool] = ContextVar("jiceng_replica_allowed", default=False)
_freshness: dict[str, tuple[float, bool]] = {}  # alias: (time.monotonic() of the check, fresh)
P = ParamSpec("P")


class Cursor(Protocol):
    def execute(self, sql: str) -> Any: ...
    def fetchone(self) -> Any: ...


def max_lag_seconds() -> float:
    return float(settings.JICENG_REPLICA_MAX_LAG_SECONDS)


def sticky_seconds() -> int:
    return int(settings.JICENG_PRIMARY_STICKY_SECONDS)


def has_replica() -> bool:
    return REPLICA in settings.DATABASES


def lag_seconds(cursor: Cursor) -> float:
    """How far behind the node of `cursor` is (LAG_SQL)."""
    cursor.execute(LAG_SQL)
    return float(cursor.fetchone()[0])


def replica_lag() -> float:
    """How far behind the replica is now, in seconds; infinity when it does not answer."""
    connection = connections[REPLICA]
    if connection.vendor != "postgresql":
        return 0.0  # a copy of the same file (tests): never behind
    try:
        with connection.cursor() as cursor:
            return lag_seconds(cursor)
    except DatabaseError:
        connection.close()
        return math.inf


def replica_is_fresh() -> bool:
    """The replica is close enough behind to read from (checked at most every
    LAG_CHECK_SECONDS in this process)."""
    checked = _freshness.get(REPLICA)
    now = time.monotonic()
    if checked is not None and now - checked[0] < LAG_CHECK_SECONDS:
        return checked[1]
    fresh = replica_lag() <= max_lag_seconds()
    _freshness[REPLICA] = (now, fresh)
    return fresh


def forget_freshness() -> None:
    _freshness.clear()


@contextlib.contextmanager
def replica_reads() -> Iterator[None]:
    """Reads inside may go to the replica (ReplicaRouter says when)."""
    token = _replica_allowed.set(True)
    try:
        yield
    finally:
        _replica_allowed.reset(token)


@contextlib.contextmanager
def primary_reads() -> Iterator[None]:
    """Reads inside go to the primary, also within `replica_reads`: they must be fresh."""
    token = _replica_allowed.set(False)
    try:
        yield
    finally:
        _replica_allowed.reset(token)


def reads_from_replica(view: Callable[P, HttpResponse]) -> Callable[P, HttpResponse]:
    """A report's or dashboard's view: its GET reads may come from the replica, unless the user
    wrote a moment ago. Put it below the permission decorators: who the user is, is read from
    the primary."""

    @functools.wraps(view)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        request = next(arg for arg in args if isinstance(arg, HttpRequest))
        if request.method not in {"GET", "HEAD"} or STICKY_COOKIE in request.COOKIES:
            return view(*args, **kwargs)
        with replica_reads():
            response = view(*args, **kwargs)
            render = getattr(response, "render", None)
            if callable(render) and not getattr(response, "is_rendered", True):
                render()  # a TemplateResponse's queries run here, not after we return
            return response

    return wrapped


class ReplicaRouter:
    """Django's database router (settings.DATABASE_ROUTERS): the replica for reads that may
    be old, the primary ("default") for everything else; nothing is migrated on the replica."""

    def db_for_read(self, model: type[models.Model], **hints: Any) -> str | None:
        if not _replica_allowed.get() or not has_replica():
            return None
        if model._meta.app_label in PRIMARY_ONLY_APPS:
            return None
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return None
        return REPLICA if replica_is_fresh() else None

    def db_for_write(self, model: type[models.Model], **hints: Any) -> str | None:
        # An object read from the replica is saved on the primary; anything else as Django
        # would (other aliases are not this router's business).
        instance = hints.get("instance")
        if instance is not None and instance._state.db == REPLICA:
            return DEFAULT_DB_ALIAS
        return None

    def allow_relation(
        self, first: models.Model, second: models.Model, **hints: Any
    ) -> bool | None:
        # The replica holds the primary's rows: an object read there is the primary's object.
        aliases = {first._state.db, second._state.db}
        return True if REPLICA in aliases and aliases <= {DEFAULT_DB_ALIAS, REPLICA, None} else None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return False if db == REPLICA else None


class PrimaryAfterWriteMiddleware:
    """After a user's successful write, a short-lived cookie keeps that user's reads on the
    primary (JICENG_PRIMARY_STICKY_SECONDS): the replica may not have the write yet."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        seconds = sticky_seconds()
        if (
            request.method in WRITING_METHODS
            and response.status_code < 400
            and seconds > 0
            and has_replica()
        ):
            response.set_cookie(
                STICKY_COOKIE,
                "1",
                max_age=seconds,
                httponly=True,
                samesite="Lax",
                secure=request.is_secure(),
            )
        return response
