"""Checkpoints of the audit chain, kept outside the database.

The keyed chain (audit_chain) stops anyone without the key from making records that verify,
but someone who can write the database could still cut records off its end, or empty it, and
set the head back to match. A checkpoint writes the head down where they cannot write: a line
appended to `checkpoints.jsonl` in JICENG_AUDIT_CHECKPOINT_DIR, a directory of its own that
only the operator's account may write (make it append-only with `chattr +a` where the file
system allows). `audit.verify` then requires every record a checkpoint names to be there with
the hash it had, unless a purge has since removed it.

    {"n": 7, "at": "2025-06-01T08:05:00.000000+00:00", "reason": "scheduled",
     "last_id": 51234, "last_hash": "…", "anchor_id": 200, "anchor_hash": "…",
     "prev": "<mac of line 6>", "mac": "<HMAC-SM3 of this line without mac>"}

Each line is signed with the audit key and names the signature of the line before, so a line
edited, removed or added by hand fails to verify. `jiceng audit checkpoint` writes one; the
scheduler runs it every few minutes (records appended since the last one are pinned only from
the next), and `audit.purge` and `jiceng backup` write one too. A head that went backwards since
the last checkpoint is refused rather than written down.
"""

from __future__ import annotations

import dataclasses
import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal

from django.conf import settings
from django.db import connection

from jiceng.core import audit_chain, clock
from jiceng.core.models import GENESIS_HASH

FILE_NAME = "checkpoints.jsonl"
_TAIL_BYTES = 4096  # holds the last line whole: a line is under 500 bytes

Reason = Literal["scheduled", "purge", "backup"]


class CheckpointError(Exception):
    """The checkpoint file does not verify, or the database's head contradicts it."""


@dataclass(frozen=True)
class Checkpoint:
    n: int
    at: str
    reason: str
    last_id: int | None
    last_hash: str
    anchor_id: int | None
    anchor_hash: str
    prev: str
    mac: str = ""

    def body(self) -> str:
        fields = dataclasses.asdict(self)
        del fields["mac"]
        return json.dumps(fields, sort_keys=True, separators=(",", ":"))

    def line(self) -> str:
        return json.dumps(dataclasses.asdict(self), sort_keys=True, separators=(",", ":"))


@dataclass(frozen=True)
class _Head:
    last_id: int | None
    last_hash: str
    anchor_id: int | None
    anchor_hash: str
    # The hash now stored for the record the previous checkpoint names (None: not there).
    pinned_hash: str | None


def path() -> Path:
    return Path(settings.JICENG_AUDIT_CHECKPOINT_DIR) / FILE_NAME


def read() -> list[Checkpoint]:
    """Every checkpoint, in order, each one's signature and link checked. None yet: []."""
    try:
        text = path().read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    found: list[Checkpoint] = []
    for number, line in enumerate(text.splitlines(), start=1):
        entry = _parsed(line, number)
        if entry.prev != (found[-1].mac if found else GENESIS_HASH):
            raise CheckpointError(f"{_where(number)}与上一行不衔接：检查点被删除或插入")
        found.append(entry)
    return found


def _where(number: int | None) -> str:
    return f"审计检查点文件 {path()} {'最后一' if number is None else f'第 {number} '}行"


def _parsed(line: str, number: int | None) -> Checkpoint:
    """The checkpoint on a line, its signature checked, and that it is the `number`th."""
    try:
        entry = Checkpoint(**json.loads(line))
    except (ValueError, TypeError):
        raise CheckpointError(f"{_where(number)}无法读取：文件被改动") from None
    if entry.mac != audit_chain.checkpoint_mac(entry.body()):
        raise CheckpointError(f"{_where(number)}的签名不符：检查点被改动，或密钥不是写它时的密钥")
    if number is not None and entry.n != number:
        raise CheckpointError(f"{_where(number)}是第 {entry.n} 个检查点：检查点被删除或插入")
    return entry


def take(*, reason: Reason) -> Checkpoint | None:
    """Writes the chain's head down as the next checkpoint and returns it; None when nothing
    changed since the last one. Call it outside a transaction: it writes what is committed.
    Raises CheckpointError, writing nothing, when the head went backwards since the last
    checkpoint (records cut off the end, or the head set back)."""
    with _locked_file() as file:
        last = _last_entry(file)
        head = _read_head(last)
        _refuse_going_back(head, last)
        if last is not None and (
            last.last_id,
            last.last_hash,
            last.anchor_id,
            last.anchor_hash,
        ) == (head.last_id, head.last_hash, head.anchor_id, head.anchor_hash):
            return None
        entry = Checkpoint(
            n=last.n + 1 if last else 1,
            at=clock.now().isoformat(timespec="microseconds"),
            reason=reason,
            last_id=head.last_id,
            last_hash=head.last_hash,
            anchor_id=head.anchor_id,
            anchor_hash=head.anchor_hash,
            prev=last.mac if last else GENESIS_HASH,
        )
        entry = dataclasses.replace(entry, mac=audit_chain.checkpoint_mac(entry.body()))
        file.write((entry.line() + "\n").encode())
        file.flush()
        os.fsync(file.fileno())
        return entry


@contextmanager
def _locked_file() -> Iterator[IO[bytes]]:
    # One writer at a time (the scheduler's run and a purge may meet): each reads the last line
    # and the head under the lock, so the lines follow each other and the heads only go forward.
    file_path = path()
    created = not file_path.parent.exists()
    file_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with file_path.open("a+b") as file:
        fcntl.flock(file, fcntl.LOCK_EX)
        try:
            yield file
        finally:
            fcntl.flock(file, fcntl.LOCK_UN)
    if created:
        directory = os.open(file_path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)


def _last_entry(file: IO[bytes]) -> Checkpoint | None:
    # Only the last line is read and checked here (a year of lines, one every five minutes, is
    # some 40 MB): the next line's `prev` names its signature, and `audit verify` checks all.
    end = file.seek(0, os.SEEK_END)
    start = max(0, end - _TAIL_BYTES)
    file.seek(start)
    lines = file.read().rstrip(b"\n").split(b"\n")
    if start > 0 and len(lines) < 2:  # a line longer than the tail: none of ours
        raise CheckpointError(f"{_where(None)}无法读取：文件被改动")
    return _parsed(lines[-1].decode(), None) if lines[-1] else None


def _read_head(last: Checkpoint | None) -> _Head:
    # One statement, so the head and the record pinned before come from the same snapshot (a
    # purge committing between two reads would look like a removal).
    pinned_id = last.last_id if last is not None else None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT h.last_id, h.last_hash, h.anchor_id, h.anchor_hash, r.hash "
            "FROM core_audithead h LEFT JOIN core_auditrecord r ON r.id = %s WHERE h.id = 1",
            [pinned_id],
        )
        row = cursor.fetchone()
    if row is None:
        return _Head(None, GENESIS_HASH, None, GENESIS_HASH, None)
    return _Head(row[0], row[1], row[2], row[3], row[4])


def _refuse_going_back(head: _Head, last: Checkpoint | None) -> None:
    if last is None:
        return
    where = f"（上一个检查点：第 {last.n} 行，{last.at}）"
    if (head.last_id or 0) < (last.last_id or 0) or (head.anchor_id or 0) < (last.anchor_id or 0):
        raise CheckpointError(
            f"审计链头倒退：链尾 #{head.last_id}，检查点记的是 #{last.last_id}{where}"
        )
    purged = last.last_id is not None and last.last_id <= (head.anchor_id or 0)
    if last.last_id is not None and not purged and head.pinned_hash != last.last_hash:
        raise CheckpointError(
            f"检查点记下的记录 #{last.last_id} 不见了或被改动：链尾被截断后又追加{where}"
        )
