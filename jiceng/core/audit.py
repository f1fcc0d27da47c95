"""The audit log (安全审计): who did what, from where, to which object, and with what result.

    audit.record(AuditEvent.EXPORT, action="members.export", target=organization,
                 detail={"rows": 1200})

Records form a keyed hash chain: each one's HMAC-SM3 (under JICENG_AUDIT_KEY, which is never
in the database) covers its predecessor's hash and every field of its own, so altering, removing
or inserting a record breaks the chain at that point, and `verify` (`jiceng audit verify`) names
the first broken link; without the key, no one can recompute the chain to hide it
(audit_chain). Cutting records off the end is found against the checkpoints, the head written
down outside the database every few minutes and at every purge (audit_checkpoints).

Records are never updated or deleted: the ORM refuses (models.AuditRecordQuerySet) and so do
database triggers (audit_triggers), except that `purge` may remove records older than the
retention period, which is never less than 180 days.

Who and from where come from the request by default: `AuditContextMiddleware` keeps the
current request in a context variable; management commands and tests use `acting(...)`.
"""

from __future__ import annotations

import datetime as dt
import getpass
import ipaddress
import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypedDict, cast

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.db.models import Q, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.utils.ipv6 import clean_ipv6_address
from django_stubs_ext import WithAnnotations

from jiceng.core import audit_chain, audit_checkpoints, clock, masking, partitions
from jiceng.core.audit_triggers import RETENTION_FLOOR_DAYS
from jiceng.core.errors import AppendOnly, DomainError
from jiceng.core.inserts import OneRowInsert
from jiceng.core.models import AuditEvent, AuditHead, AuditRecord, AuditResult

__all__ = [
    "AuditContextMiddleware",
    "AuditEvent",
    "AuditResult",
    "PendingRecord",
    "VerifyResult",
    "acting",
    "client_ip",
    "command_line_operator",
    "handling",
    "prepare",
    "purge",
    "record",
    "record_refusal",
    "search",
    "verify",
]

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


# -- who and from where ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Actor:
    user: AbstractBaseUser | None
    ip: str | None
    username: str | None = None


_request: ContextVar[HttpRequest | None] = ContextVar("jiceng_audit_request", default=None)
_acting: ContextVar[_Actor | None] = ContextVar("jiceng_audit_acting", default=None)


def client_ip(request: HttpRequest) -> str | None:
    """The client's address, the one rule for audit records, rate limits and lockouts:
    REMOTE_ADDR, or behind JICENG_PROXY_COUNT trusted proxies the address the outermost of them
    saw, counted from the right of X-Forwarded-For (its left end is whatever the client chose
    to send). A header shorter than the proxies counted did not come through all of them:
    REMOTE_ADDR then. None when the address is not an IP address."""
    proxies: int = settings.JICENG_PROXY_COUNT
    address = request.META.get("REMOTE_ADDR", "")
    if proxies > 0:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [a for a in forwarded if a]
        if len(forwarded) >= proxies:
            address = forwarded[-proxies]
    return _unmapped(address)


# The addresses last seen, each parsed once: a request asks for its address two or three times
# (the rate limit, the audit record's actor and its column), and a client sends many requests.
_ADDRESSES_KEPT = 4096


@lru_cache(maxsize=_ADDRESSES_KEPT)
def _unmapped(address: str) -> str | None:
    """`_normal_ip` of the request's address. An IPv4 client of a server listening on :: arrives
    as ::ffff:a.b.c.d: one client, one address, whichever socket it came through (rate limits,
    lockouts, the log). Only the request's address: a stored record keeps the form it was
    hashed in."""
    try:
        parsed = ipaddress.ip_address(address.strip())
    except ValueError:
        return None
    if parsed.version == 6:
        mapped = parsed.ipv4_mapped
        return str(mapped) if mapped is not None else clean_ipv6_address(str(parsed))
    return str(parsed)


@lru_cache(maxsize=_ADDRESSES_KEPT)
def _normal_ip(address: str | None) -> str | None:
    # The form GenericIPAddressField stores (and PostgreSQL's inet prints), so the hash made now
    # matches the one verify recomputes from the stored row.
    if not address:
        return None
    try:
        parsed = ipaddress.ip_address(address.strip())
    except ValueError:
        return None
    return clean_ipv6_address(str(parsed)) if parsed.version == 6 else str(parsed)


def _signed_in(user: object) -> AbstractBaseUser | None:
    if isinstance(user, AbstractBaseUser) and user.is_authenticated:
        return user
    return None


class AuditContextMiddleware:
    """Makes the current request's user and address the default of every record written while
    it is handled. Goes right after AuthenticationMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with handling(request):
            return self.get_response(request)


@contextmanager
def handling(request: HttpRequest) -> Iterator[None]:
    """Records written inside name this request's user and address (AuditContextMiddleware,
    and web.middleware.MachineEndpointsMiddleware for the requests that skip it)."""
    token = _request.set(request)
    try:
        yield
    finally:
        _request.reset(token)


@contextmanager
def acting(
    user: AbstractBaseUser | None = None, ip: str | None = None, *, username: str | None = None
) -> Iterator[None]:
    """Records written inside name this user, address and (for a user not in the database,
    such as the operator of a management command) username."""
    token = _acting.set(_Actor(user=user, ip=_normal_ip(ip), username=username))
    try:
        yield
    finally:
        _acting.reset(token)


def command_line_operator() -> str:
    """The username of records a management command writes: no account runs a command, so the
    operating-system user is named."""
    try:
        return f"命令行:{getpass.getuser()}"
    except (KeyError, OSError):
        return "命令行"


def _current_actor() -> _Actor:
    acting_now = _acting.get()
    if acting_now is not None:
        return acting_now
    request = _request.get()
    if request is None:
        return _Actor(user=None, ip=None)
    return _Actor(user=_signed_in(getattr(request, "user", None)), ip=client_ip(request))


# -- the chain --------------------------------------------------------------------------------


def canonical_json(value: Mapping[str, Any] | None) -> str:
    return json.dumps(
        dict(value or {}),
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        cls=DjangoJSONEncoder,
    )


def digest(row: AuditRecord, *, plain: bool = False) -> str:
    """The record's hash recomputed: keyed HMAC-SM3 over the predecessor's hash and every field
    but `id` and `hash`; `plain` for a record written before keying (audit_chain)."""
    if plain:
        return audit_chain.plain_chained(row.prev_hash, row)
    return audit_chain.chained(row.prev_hash, row)


def _locked_head() -> AuditHead:
    # PostgreSQL: the row lock makes appends take turns until the writer's transaction ends.
    # SQLite ignores FOR UPDATE; its IMMEDIATE transactions already let one writer in at a time.
    head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
    return head


def _locked_last_hash() -> str:
    """`_locked_head().last_hash` in one plain statement: every audited write pays for it, and
    get_or_create's model and savepoint machinery cost more than the query (with the plain
    head update and no savepoint, appends on SQLite went from 670 to 2,100 a second)."""
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT last_hash FROM core_audithead WHERE id = 1{lock}")  # noqa: S608
        found = cursor.fetchone()
    return str(found[0]) if found else _locked_head().last_hash


def _fit(value: object, field: str) -> str:
    length = _MAX_LENGTHS.get(field)
    if length is None:
        column = AuditRecord._meta.get_field(field)
        assert isinstance(column, models.CharField) and column.max_length is not None
        length = _MAX_LENGTHS[field] = column.max_length
    return str(value)[:length]


_MAX_LENGTHS: dict[str, int] = {}

# Columns `append` fills in: the target (an object written in the same transaction) and the chain.
_LATE = ("target_type", "target_id", "prev_hash", "hash")


def record(
    event: AuditEvent,
    *,
    action: str,
    target: models.Model | None = None,
    target_type: str = "",
    target_id: str = "",
    result: AuditResult = AuditResult.SUCCESS,
    detail: Mapping[str, Any] | None = None,
    user: AbstractBaseUser | None = None,
    username: str | None = None,
    ip: str | None = None,
) -> AuditRecord:
    """Appends one record to the chain and returns it.

    `action` is a short dotted name ("orgs.create_organization"); `target` a model instance, or
    `target_type` and `target_id` for something that is not one. `user` and `ip` default to
    those of `acting(...)`, else of the request being handled.

    `detail` must never hold an unmasked ID number or phone number, nor a password: the log is
    read by the audit administrator, who may not see personal data. Name the record instead
    (target) and put masked values, counts and changed field names in detail.

    Runs in an atomic block: called inside a service's transaction, the record commits or rolls
    back with the write it describes, and a failure to record fails the write. Records take
    turns: on PostgreSQL the chain's lock is held until that transaction ends, so call `record`
    as the last step of a write, and record a bulk write (an import) once, with its counts,
    not once per row.
    """
    return prepare(
        event,
        action=action,
        target=target,
        target_type=target_type,
        target_id=target_id,
        result=result,
        detail=detail,
        user=user,
        username=username,
        ip=ip,
    ).append()


class PendingRecord:
    """A record made ready before the write's transaction (`prepare`); `append`, inside it,
    links it to the chain and inserts it. For a hot write on SQLite, where everything between
    BEGIN IMMEDIATE and COMMIT holds the one write lock: only the chain head's read, the hash,
    the INSERT and the head's UPDATE are left inside (bench_intake)."""

    def __init__(self, row: AuditRecord) -> None:
        self.row = row
        self.insert = OneRowInsert.of(AuditRecord, returning=True, using=connection.alias)
        self.params = self.insert.params(row)

    def append(self, *, target: models.Model | None = None) -> AuditRecord:
        """Links the record to the chain and writes it, in the caller's transaction. `target`
        names an object written in that transaction (its id known only now)."""
        row = self.row
        if not row._state.adding:
            raise AppendOnly("审计记录只能追加一次")
        if target is not None:
            row.target_type = _fit(target._meta.label_lower, "target_type")
            row.target_id = _fit(str(target.pk), "target_id")
        # No savepoint: if the record cannot be written, neither may the write it describes.
        with transaction.atomic(savepoint=False):
            row.prev_hash = _locked_last_hash()
            row.hash = audit_chain.chained(row.prev_hash, row)
            for name in _LATE:
                self.params[self.insert.columns[name]] = getattr(row, name)
            row.pk = self.insert.run(self.params)
            row._state.adding, row._state.db = False, connection.alias
            with connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE core_audithead SET last_id = %s, last_hash = %s WHERE id = 1",
                    [row.pk, row.hash],
                )
        return row


def prepare(
    event: AuditEvent,
    *,
    action: str,
    target: models.Model | None = None,
    target_type: str = "",
    target_id: str = "",
    result: AuditResult = AuditResult.SUCCESS,
    detail: Mapping[str, Any] | None = None,
    user: AbstractBaseUser | None = None,
    username: str | None = None,
    ip: str | None = None,
) -> PendingRecord:
    """The record `record` would append, not yet chained nor written: call `.append()` on it
    inside the write's transaction (arguments as for `record`)."""
    actor = _current_actor()
    user = _signed_in(user) or actor.user
    if username is None:
        username = user.get_username() if user is not None else (actor.username or "")
    if ip is None:
        ip = actor.ip
    if target is not None:
        target_type = target._meta.label_lower
        target_id = str(target.pk)
    row = AuditRecord(
        at=clock.now(),
        user_id=user.pk if user is not None else None,
        username=_fit(username, "username"),
        ip=_normal_ip(ip),
        event=AuditEvent(event),
        action=_fit(action, "action"),
        target_type=_fit(target_type, "target_type"),
        target_id=_fit(target_id, "target_id"),
        result=AuditResult(result),
        detail=canonical_json(detail),
        prev_hash="",
    )
    return PendingRecord(row)


def record_refusal(request: HttpRequest, exc: DomainError) -> AuditRecord | None:
    """A write the service refused (a non-safe method answered with a DomainError); None for a
    read, which is not audited. Call it after the failed transaction has rolled back, or the
    record would roll back with it."""
    if request.method is None or request.method.upper() in SAFE_METHODS:
        return None
    return record(
        AuditEvent.WRITE,
        action=f"{request.method.upper()} {request.path}",
        result=AuditResult.REFUSED,
        detail={"message": masking.mask_text(exc.message)},  # it may repeat what was refused
        user=_signed_in(getattr(request, "user", None)),
        ip=client_ip(request),
    )


# -- checking ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class VerifyResult:
    checked: int
    broken_id: int | None = None
    reason: str = ""
    last_id: int | None = None
    last_hash: str = ""
    checkpoints: int = 0  # how many checkpoints the chain was held against

    @property
    def ok(self) -> bool:
        return not self.reason


class _HeadFields(TypedDict):
    """The chain's head, annotated on every record of the walk."""

    head_last_id: int | None
    head_last_hash: str | None
    head_anchor_id: int | None
    head_anchor_hash: str | None
    head_plain_last_id: int | None
    head_plain_seal: str | None


@dataclass
class _Pins:
    """What the checkpoints require of the chain whose head anchor is `anchor_id`: the hash
    of each record they named that no purge has removed since."""

    count: int
    hashes: dict[int, str]
    problem: str = ""

    @classmethod
    def of(
        cls,
        checkpoints: list[audit_checkpoints.Checkpoint],
        anchor_id: int | None,
        anchor_hash: str | None,
    ) -> _Pins:
        pins = cls(len(checkpoints), {})
        if not checkpoints:
            return pins
        latest = checkpoints[-1]
        if (anchor_id or 0) < (latest.anchor_id or 0) or (
            anchor_id == latest.anchor_id and anchor_hash != latest.anchor_hash
        ):
            pins.problem = (
                f"链首与检查点不符：检查点第 {latest.n} 行记的链首是 #{latest.anchor_id}，"
                f"链头记的是 #{anchor_id}"
            )
        pins.hashes = {
            c.last_id: c.last_hash
            for c in checkpoints
            if c.last_id is not None and c.last_id > (anchor_id or 0)
        }
        return pins

    def missing(self, checked: int) -> VerifyResult | None:
        """The first record a checkpoint named that the walk did not meet, if any."""
        if not self.hashes:
            return None
        first = min(self.hashes)
        return VerifyResult(
            checked,
            None,
            f"检查点记下的记录 #{first} 不见了：链尾被截断或记录被删除",
            checkpoints=self.count,
        )


def verify(chunk: int = 5000) -> VerifyResult:
    """Walks the chain from its anchor in id order, recomputing every hash, and reports the
    first broken link: a record whose content no longer matches its hash, one that does not
    link to its predecessor (the predecessor was removed or altered), one written past the
    chain, an end that differs from the head (records removed from the end), or a record a
    checkpoint named that is missing or has another hash (the end cut off, the chain rebuilt).

    A record hashed without the key is accepted only up to the last one written before the
    chain was keyed, which the head names and the key signed (audit_chain)."""
    try:
        checkpoints = audit_checkpoints.read()
    except audit_checkpoints.CheckpointError as exc:
        return VerifyResult(0, None, str(exc))
    head_fields = AuditHead.objects.filter(pk=1)
    # The head rides along in the same statement, so the walk and the head come from one
    # snapshot and a record appended meanwhile is neither missed nor mistaken for a stray.
    # The plugin types a Subquery as Any; the cast names what the head's columns hold.
    rows = cast(
        "QuerySet[WithAnnotations[AuditRecord, _HeadFields]]",
        (
            AuditRecord.objects.annotate(
                head_last_id=Subquery(head_fields.values("last_id")),
                head_last_hash=Subquery(head_fields.values("last_hash")),
                head_anchor_id=Subquery(head_fields.values("anchor_id")),
                head_anchor_hash=Subquery(head_fields.values("anchor_hash")),
                head_plain_last_id=Subquery(head_fields.values("plain_last_id")),
                head_plain_seal=Subquery(head_fields.values("plain_seal")),
            )
            .filter(Q(head_anchor_id__isnull=True) | Q(id__gt=models.F("head_anchor_id")))
            .order_by("id")
        ),
    )
    checked = 0
    expected_prev: str | None = None
    last: WithAnnotations[AuditRecord, _HeadFields] | None = None
    last_purge: dict[str, Any] | None = None
    pins = _Pins(0, {})
    plain_end_seen = False

    def broken(row_id: int | None, reason: str) -> VerifyResult:
        return VerifyResult(checked, row_id, reason, checkpoints=pins.count)

    for row in rows.iterator(chunk_size=chunk):
        if expected_prev is None:
            if row.head_last_hash is None:
                return broken(row.id, "缺少审计链头（audit head），无法校验")
            expected_prev = row.head_anchor_hash
            pins = _Pins.of(checkpoints, row.head_anchor_id, row.head_anchor_hash)
            if pins.problem:
                return broken(None, pins.problem)
        if row.head_last_id is None or row.id > row.head_last_id:
            return broken(row.id, "记录不在链中：未经审计服务写入")
        if row.prev_hash != expected_prev:
            return broken(row.id, "与前一条记录不衔接：前一条记录被删除或改动")
        plain = row.head_plain_last_id is not None and row.id <= row.head_plain_last_id
        if digest(row, plain=plain) != row.hash:
            return broken(row.id, "记录内容与其哈希不符：记录被改动")
        if plain and row.id == row.head_plain_last_id:
            if row.head_plain_seal != audit_chain.plain_seal(row.id, row.hash):
                return broken(row.id, "密钥启用前的记录界限被改动：未加密钥的哈希不可信")
            plain_end_seen = True
        if row.id in pins.hashes and pins.hashes.pop(row.id) != row.hash:
            return broken(row.id, "记录与检查点不符：链被改写后重算")
        if row.event == AuditEvent.PURGE:
            last_purge = json.loads(row.detail)
        expected_prev = row.hash
        last = row
        checked += 1
    if last is None:
        return _verify_empty(checkpoints)
    if last.id != last.head_last_id or last.hash != last.head_last_hash:
        return broken(last.id, "链尾缺失：最后一条记录之后的记录被删除")
    if last.head_plain_last_id is not None and not plain_end_seen:
        anchor = last.head_anchor_id or 0
        if last.head_plain_last_id > anchor:
            return broken(None, "密钥启用前的最后一条记录不见了：未加密钥的哈希不可信")
    if last.head_anchor_id is not None and (
        last_purge is None
        or last_purge.get("anchor_id") != last.head_anchor_id
        or last_purge.get("anchor_hash") != last.head_anchor_hash
    ):
        return broken(None, "链首与最近一次清理记录不符：早期记录被删除")
    if missing := pins.missing(checked):
        return missing
    return VerifyResult(checked, last_id=last.id, last_hash=last.hash, checkpoints=pins.count)


def _verify_empty(checkpoints: list[audit_checkpoints.Checkpoint]) -> VerifyResult:
    head = AuditHead.objects.filter(pk=1).first()
    if head is not None and head.last_id is not None:
        return VerifyResult(
            0, None, f"审计记录缺失：链尾 #{head.last_id} 不存在", checkpoints=len(checkpoints)
        )
    if head is None:
        head = AuditHead()  # none yet, or removed: held against the checkpoints as empty
    pins = _Pins.of(checkpoints, head.anchor_id, head.anchor_hash)
    if pins.problem:
        return VerifyResult(0, None, pins.problem, checkpoints=pins.count)
    return pins.missing(0) or VerifyResult(0, checkpoints=pins.count)


# -- retention --------------------------------------------------------------------------------


def retention_days() -> int:
    days: int = settings.JICENG_AUDIT_RETENTION_DAYS
    if days < RETENTION_FLOOR_DAYS:
        raise ImproperlyConfigured(
            f"JICENG_AUDIT_RETENTION_DAYS must be at least {RETENTION_FLOOR_DAYS} (等保 2.0)"
        )
    return days


def purge(*, before: dt.datetime, by: AbstractBaseUser | None) -> int:
    """Deletes the records older than `before`, but never one younger than the retention
    period, and writes a PURGE record. Returns how many records were deleted.

    Only a run of records from the start of the chain goes, up to the first one still to be
    kept, so the rest stays one unbroken chain; the head's anchor moves to the last deleted
    record's hash, which the PURGE record also names, so `verify` can tell a purge from a
    deletion. Then writes a checkpoint (audit_checkpoints), so the records it removed are no
    longer required and the new anchor is: call it outside a transaction, as the command does.

    On PostgreSQL, where the log is partitioned by month (core.partitions), each month of that
    run lying wholly before the cutoff is dropped as a table rather than row by row; the anchor,
    the PURGE record and the checkpoint are the same, so the chain verifies from the anchor
    whichever way the records went.
    """
    cutoff = min(before, clock.now() - dt.timedelta(days=retention_days()))
    with transaction.atomic():
        head = _locked_head()
        first_kept = (
            AuditRecord.objects.filter(at__gte=cutoff).order_by("id").values_list("id").first()
        )
        gone = AuditRecord.objects.filter(at__lt=cutoff)
        if first_kept is not None:
            gone = gone.filter(id__lt=first_kept[0])
        last_gone = gone.order_by("-id").values_list("id", "hash").first()
        deleted = 0
        if last_gone is not None:
            with connection.cursor() as cursor:
                # PostgreSQL: whole months of the run drop at once (no row triggers fire on a
                # dropped partition, so the age was checked above, against the floor).
                if connection.vendor == "postgresql":
                    deleted = partitions.drop_audit_months(
                        cursor, before=cutoff, last_gone_id=last_gone[0]
                    )
                # Raw SQL: the ORM refuses to delete; the trigger still checks every row's age.
                cursor.execute("DELETE FROM core_auditrecord WHERE id <= %s", [last_gone[0]])
                deleted += cursor.rowcount
            head.anchor_id, head.anchor_hash = last_gone
            AuditHead.objects.filter(pk=head.pk).update(
                anchor_id=head.anchor_id, anchor_hash=head.anchor_hash
            )
        record(
            AuditEvent.PURGE,
            action="core.purge_audit",
            user=by,
            detail={
                "before": cutoff.astimezone(dt.UTC).isoformat(),
                "deleted": deleted,
                "anchor_id": head.anchor_id,
                "anchor_hash": head.anchor_hash,
            },
        )
    audit_checkpoints.take(reason="purge")
    return deleted


# -- reading ----------------------------------------------------------------------------------


def search(
    *,
    user_text: str = "",
    event: AuditEvent | str | None = None,
    result: AuditResult | str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    target: str = "",
) -> QuerySet[AuditRecord]:
    """Records for the audit administrator, newest first. `user_text` matches the username as
    typed or the account's display name; `target` is "app.model:pk", "app.model" or a pk;
    `until` is exclusive."""
    found = AuditRecord.objects.all()
    if user_text := user_text.strip():
        found = found.filter(
            Q(username__icontains=user_text) | Q(user_id__in=_user_ids_named(user_text))
        )
    if event:
        found = found.filter(event=event)
    if result:
        found = found.filter(result=result)
    if since is not None:
        found = found.filter(at__gte=since)
    if until is not None:
        found = found.filter(at__lt=until)
    if target := target.strip():
        target_type, colon, target_id = target.partition(":")
        if colon:
            found = found.filter(target_type=target_type.lower(), target_id=target_id)
        else:
            found = found.filter(Q(target_type=target.lower()) | Q(target_id=target))
    return found.order_by("-id")


def _user_ids_named(text: str) -> QuerySet[Any, Any]:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(display_name__icontains=text).values("pk")
