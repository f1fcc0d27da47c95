"""Open311 API keys: the systems allowed to submit cases (a city app, the 12345 platform).

The system administrator issues them in the admin (models.Open311Key): a key is shown once,
when it is issued, and only its SHA-256 is kept. A POST's key is found by that digest in the
table's unique index, one query, so neither the table nor the time of the answer tells
anything about a key (there is no comparison of the key itself to time). A key is revoked,
never deleted, and has a rate of its own beside the per-address one.

JICENG_OPEN311_KEYS (`{"name": "key"}`, from the environment as "name:key,...") stays as the
bootstrap: keys compared in memory, in constant time and without a query, held to the
per-address rate only, for a first client before an administrator has signed in, or a
benchmark. A key shorter than MIN_LENGTH is never accepted, so a careless "test:1" in the
environment opens nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet

from jiceng.accounts import throttle
from jiceng.cases.models import Open311Key
from jiceng.core import audit, clock

MIN_LENGTH = 16
MAX_LENGTH = 200
PREFIX_LENGTH = 6


@dataclass(frozen=True)
class Holder:
    """Who holds a key: the client's name (kept on its cases) and, for an issued key, its id
    and rate."""

    name: str
    key_id: int | None = None
    rate: str = ""


def digest(api_key: str) -> str:
    """A key is 32 random bytes, so a plain SHA-256 (no salt, no stretching) cannot be
    reversed, and the same key always finds the same row."""
    return hashlib.sha256(api_key.encode()).hexdigest()


def client_of(api_key: str) -> str | None:
    """The name of the bootstrap key (JICENG_OPEN311_KEYS) `api_key` is, or None. Every key is
    compared, in constant time, so the answer's timing does not tell how much of a key was
    right."""
    found = None
    candidate = api_key.encode()
    for name, key in settings.JICENG_OPEN311_KEYS.items():
        if len(key) >= MIN_LENGTH and hmac.compare_digest(candidate, key.encode()):
            found = name
    return found


def holder_of(api_key: str) -> Holder | None:
    """The holder of `api_key` if it is a bootstrap key or an issued key not revoked: at most
    one query, on the digest's unique index."""
    if not MIN_LENGTH <= len(api_key) <= MAX_LENGTH:
        return None
    name = client_of(api_key)
    if name is not None:
        return Holder(name=name)
    # Written out rather than built by the ORM: building and compiling the QuerySet took ten
    # times as long as the query itself, on every POST (bench/bench_intake.py).
    quote = connection.ops.quote_name
    sql = (
        f"SELECT {quote('id')}, {quote('name')}, {quote('rate')} "  # noqa: S608  our own table's names
        f"FROM {quote(Open311Key._meta.db_table)} "
        f"WHERE {quote('digest')} = %s AND {quote('is_revoked')} = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [digest(api_key), False])
        found = cursor.fetchone()
    if found is None:
        return None
    key_id, name, rate = found
    return Holder(name=name, key_id=key_id, rate=rate)


def over_key_rate(holder: Holder) -> int | None:
    """Counts one POST against an issued key's own rate: None within it, else the seconds to
    wait, counted as accounts.throttle counts the per-address rate."""
    if holder.key_id is None or not holder.rate:
        return None
    return throttle.hit_rate(throttle.parse_rate(holder.rate), "open311-key", str(holder.key_id))


def issue_key(key: Open311Key) -> str:
    """Makes a new key for the unsaved row `key` and returns it, to show once: the row keeps
    its digest and first characters (to recognise it in the list), never the key."""
    api_key = secrets.token_urlsafe(32)
    key.digest = digest(api_key)
    key.prefix = api_key[:PREFIX_LENGTH]
    return api_key


def revoke_keys(keys: QuerySet[Open311Key]) -> int:
    """Revokes the keys of `keys` not yet revoked, each by a conditional update (a key revoked
    meanwhile is left as it was) with its audit record; the next POST with one is refused.
    Revoking cannot be undone: a key that may have leaked is replaced by a new one."""
    revoked = 0
    now = clock.now()
    for key in keys.filter(is_revoked=False):
        with transaction.atomic():
            if Open311Key.objects.filter(pk=key.pk, is_revoked=False).update(
                is_revoked=True, revoked_at=now
            ):
                audit.record(audit.AuditEvent.WRITE, action="cases.revoke_open311_key", target=key)
                revoked += 1
    return revoked
