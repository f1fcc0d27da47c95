"""Backup and restore of the database together with its keys (`jiceng backup`, `jiceng restore`).

A backup is a folder:

    manifest.json       what it holds: when, from which database vendor, the audit chain's head
    database.sqlite3    SQLite: an online copy through sqlite3's backup API
    database.dump       PostgreSQL: pg_dump's custom format
    checkpoints.jsonl   the audit chain's checkpoints (audit_checkpoints), if any
    keys.sealed.json    the keys (those of var/secrets.json, or of the environment) sealed with
                        a passphrase: scrypt (N=2^17, r=8, p=1) makes an SM4 key, SM4-GCM seals
                        them, as crypto.py seals personal data

The sealed part also holds the SM3 digest of every other file, so a restore refuses a folder in
which anything was swapped or damaged, and the passphrase is all it needs besides the folder.
Personal data in the database stays sealed with the field keys; keep the passphrase apart from
the backups.

The backup writes an export record to the audit log and a checkpoint first, so the copy holds
its own record and the checkpoints copied with it name nothing past its end: restored into a
fresh folder, `jiceng audit verify` passes there.

A restore goes into an empty database only (SQLite: the file of DATABASE_URL or var/; PostgreSQL:
a database made with `createdb`), and puts the keys where the settings read them: into
var/secrets.json for the embedded installation, or, when the environment gives them and they
differ, into an environment file (`--keys-out`) to install before the next start. Files it
replaces (the keys file, the checkpoints) are kept beside, renamed `*.before-restore-TIME`.
"""

from __future__ import annotations

import getpass
import json
import os
import shutil
import sqlite3
import subprocess  # nosec B404
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.recorder import MigrationRecorder

from jiceng.core import audit, audit_checkpoints, clock, keys
from jiceng.core.models import AuditHead

FORMAT = "jiceng-backup-1"
MANIFEST = "manifest.json"
SEALED_KEYS = "keys.sealed.json"
CHECKPOINTS = "checkpoints.jsonl"
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.dump"}
PASSPHRASE_MIN_LENGTH = 12

# scrypt's cost: about 0.6 s and 128 MiB on the 2-core machine, once per backup and restore.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**17, 8, 1
_SALT_BYTES, _NONCE_BYTES, _TAG_BYTES = 16, 12, 16
_ASSOCIATED = b"jiceng backup keys"


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why, in the operator's terms."""


@dataclass(frozen=True)
class Made:
    folder: Path
    database_file: str
    audit_last_id: int | None
    checkpoint_problem: str = ""


@dataclass(frozen=True)
class Restored:
    database_file: str
    made_at: str
    keys_written_to: Path | None
    set_aside: list[Path]


# -- the keys, sealed with a passphrase ----------------------------------------------------------


def check_passphrase(passphrase: str) -> None:
    if len(passphrase) < PASSPHRASE_MIN_LENGTH:
        raise BackupError(f"口令至少 {PASSPHRASE_MIN_LENGTH} 个字符")


def passphrase_from(path: Path | None, *, confirm: bool) -> str:
    """The passphrase: the first line of `path`, else typed at the terminal (twice when
    `confirm`)."""
    if path is not None:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise BackupError(f"读不了口令文件 {path}：{exc.strerror}") from None
        return lines[0] if lines else ""
    if not sys.stdin.isatty():
        raise BackupError("没有终端可以输入口令：请用 --passphrase-file 给出口令文件")
    passphrase = getpass.getpass("备份口令：")
    if confirm and getpass.getpass("再输入一次：") != passphrase:
        raise BackupError("两次输入的口令不同")
    return passphrase


def _derived_key(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=16, n=n, r=r, p=p).derive(passphrase.encode())


def seal_with_passphrase(payload: dict[str, Any], passphrase: str) -> dict[str, Any]:
    check_passphrase(passphrase)
    salt, nonce = os.urandom(_SALT_BYTES), os.urandom(_NONCE_BYTES)
    key = _derived_key(passphrase, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    encryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(_ASSOCIATED)
    body = encryptor.update(json.dumps(payload).encode()) + encryptor.finalize()
    return {
        "format": FORMAT,
        "kdf": {"name": "scrypt", "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P, "salt": salt.hex()},
        "cipher": "SM4-GCM",
        "nonce": nonce.hex(),
        "sealed": (body + encryptor.tag).hex(),
    }


def open_with_passphrase(sealed: dict[str, Any], passphrase: str) -> dict[str, Any]:
    try:
        kdf = sealed["kdf"]
        key = _derived_key(
            passphrase, bytes.fromhex(kdf["salt"]), int(kdf["n"]), int(kdf["r"]), int(kdf["p"])
        )
        data = bytes.fromhex(sealed["sealed"])
        decryptor = Cipher(
            algorithms.SM4(key), modes.GCM(bytes.fromhex(sealed["nonce"]), data[-_TAG_BYTES:])
        ).decryptor()
        decryptor.authenticate_additional_data(_ASSOCIATED)
        opened = decryptor.update(data[:-_TAG_BYTES]) + decryptor.finalize()
    except InvalidTag:
        raise BackupError("口令不对，或密钥文件被改动：打不开备份里的密钥") from None
    except (KeyError, TypeError, ValueError):
        raise BackupError(f"{SEALED_KEYS} 无法读取：不是 jiceng backup 写的密钥文件") from None
    return cast("dict[str, Any]", json.loads(opened))


def configured_keys() -> dict[str, str]:
    """The keys, named as in var/secrets.json."""
    return {
        "SECRET_KEY": str(settings.SECRET_KEY),
        "FIELD_KEYS": str(settings.JICENG_FIELD_KEYS),
        "INDEX_KEY": str(settings.JICENG_INDEX_KEY),
        "AUDIT_KEY": str(settings.JICENG_AUDIT_KEY),
    }


def _digest(path: Path) -> str:
    hasher = hashes.Hash(hashes.SM3())
    with path.open("rb") as file:
        while block := file.read(1 << 20):
            hasher.update(block)
    return hasher.finalize().hex()


# -- backup ----------------------------------------------------------------------------------------


def make_backup(folder: Path, *, passphrase: str, using: str = DEFAULT_DB_ALIAS) -> Made:
    """Copies the database, its checkpoints and its sealed keys into `folder` (new or empty)."""
    check_passphrase(passphrase)
    keys.ensure_keys_fit(using)  # keys that do not fit the data would restore nothing usable
    connection = connections[using]
    vendor = _vendor(connection)
    if folder.exists() and any(folder.iterdir()):
        raise BackupError(f"备份目录 {folder} 不是空的")
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)

    audit.record(
        audit.AuditEvent.EXPORT,
        action="core.backup",
        detail={"folder": str(folder), "vendor": vendor},
    )
    problem = ""
    try:
        audit_checkpoints.take(reason="backup")
    except audit_checkpoints.CheckpointError as exc:
        problem = str(exc)  # the backup matters more; the command reports it
    if audit_checkpoints.path().exists():
        # Before the database: every checkpoint copied then names a record the copy holds.
        shutil.copyfile(audit_checkpoints.path(), folder / CHECKPOINTS)

    database_file = DATABASE_FILES[vendor]
    if vendor == "sqlite":
        _copy_sqlite(str(connection.settings_dict["NAME"]), folder / database_file)
    else:
        _pg("pg_dump", connection, "--format=custom", "--file", str(folder / database_file))

    head = AuditHead.objects.using(using).filter(pk=1).values("last_id", "last_hash").first()
    manifest = {
        "format": FORMAT,
        "made_at": clock.now().isoformat(),
        "vendor": vendor,
        "database": database_file,
        "audit_head": head,
        "migrations": _last_migrations(connection),
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
    digests = {
        name: _digest(folder / name)
        for name in (MANIFEST, database_file, CHECKPOINTS)
        if (folder / name).exists()
    }
    sealed = seal_with_passphrase({"keys": configured_keys(), "digests": digests}, passphrase)
    _write_private(folder / SEALED_KEYS, json.dumps(sealed, indent=2) + "\n")
    return Made(folder, database_file, head["last_id"] if head else None, problem)


def _vendor(connection: BaseDatabaseWrapper) -> str:
    if connection.vendor not in DATABASE_FILES:
        raise BackupError(f"不支持备份 {connection.vendor} 数据库")
    return connection.vendor


def _copy_sqlite(source_name: str, target: Path) -> None:
    # Its own connection (as Django opens it: a URI name, so the test suite's in-memory
    # database is reached too) and one step: a copy in steps starts over whenever another
    # connection writes, and under steady writes might never end; one step reads one snapshot
    # while WAL lets the writers go on.
    source = sqlite3.connect(source_name, uri=True)
    try:
        destination = sqlite3.connect(target)
        try:
            source.backup(destination)
            destination.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        finally:
            destination.close()
    finally:
        source.close()


def _last_migrations(connection: BaseDatabaseWrapper) -> dict[str, str]:
    last: dict[str, str] = {}
    for app, name in MigrationRecorder(connection).applied_migrations():
        last[app] = max(last.get(app, name), name)
    return dict(sorted(last.items()))


def _pg(program: str, connection: BaseDatabaseWrapper, *arguments: str) -> None:
    """Runs pg_dump or pg_restore against the connection's database."""
    path = shutil.which(program)
    if path is None:
        raise BackupError(f"找不到 {program}：请安装 PostgreSQL 客户端（postgresql-client-15）")
    options = connection.settings_dict
    environment = dict(os.environ)
    for variable, value in (
        ("PGHOST", options.get("HOST")),
        ("PGPORT", options.get("PORT")),
        ("PGUSER", options.get("USER")),
        ("PGPASSWORD", options.get("PASSWORD")),
        ("PGSSLMODE", (options.get("OPTIONS") or {}).get("sslmode")),
    ):
        if value:
            environment[variable] = str(value)
    command = [path, *arguments, "--dbname", str(options["NAME"])]
    # An argument list from our settings and paths, no shell.
    done = subprocess.run(  # noqa: S603  # nosec B603
        command, env=environment, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise BackupError(f"{program} 失败（{done.returncode}）：{done.stderr.strip()}")


def _write_private(path: Path, text: str) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)


# -- restore ---------------------------------------------------------------------------------------


def restore_backup(
    folder: Path,
    *,
    passphrase: str,
    keys_out: Path | None = None,
    using: str = DEFAULT_DB_ALIAS,
) -> Restored:
    """Restores the backup in `folder` into the configured database, which must be empty, with
    its checkpoints and keys (see the module's docstring for where they go)."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
        sealed = json.loads((folder / SEALED_KEYS).read_text())
    except FileNotFoundError as exc:
        raise BackupError(f"{folder} 不是完整的备份：缺少 {Path(str(exc.filename)).name}") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{folder} 不是 jiceng backup 写的备份")
    payload = open_with_passphrase(sealed, passphrase)
    for name, digest in payload["digests"].items():
        if not (folder / name).exists() or _digest(folder / name) != digest:
            raise BackupError(f"备份中的 {name} 缺失或被改动，不能恢复")

    restored_keys: dict[str, str] = payload["keys"]
    keys_target = _keys_target(restored_keys, keys_out)

    connection = connections[using]
    if manifest["vendor"] != connection.vendor:
        raise BackupError(
            f"这是 {manifest['vendor']} 数据库的备份，不能恢复到 {connection.vendor} 数据库"
        )
    if connection.vendor == "sqlite" and not str(connection.settings_dict["NAME"]).startswith(
        "file:"
    ):
        Path(connection.settings_dict["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    if connection.introspection.table_names():
        raise BackupError(
            f"目标数据库 {connection.settings_dict['NAME']} 不是空的：只能恢复到空数据库"
        )

    database_file = manifest["database"]
    if manifest["vendor"] == "sqlite":
        target = str(connection.settings_dict["NAME"])
        connection.close()
        _restore_sqlite(folder / database_file, target)
    else:
        _pg(
            "pg_restore",
            connection,
            "--exit-on-error",
            "--single-transaction",
            "--no-owner",
            "--no-privileges",
            str(folder / database_file),
        )
    set_aside = []
    checkpoints = audit_checkpoints.path()
    if checkpoints.exists():
        set_aside.append(_set_aside(checkpoints))
    if (folder / CHECKPOINTS).exists():
        checkpoints.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        shutil.copyfile(folder / CHECKPOINTS, checkpoints)
    if keys_target is not None:
        if keys_target.exists():
            set_aside.append(_set_aside(keys_target))
        _write_private(keys_target, _keys_text(restored_keys, keys_target))
    return Restored(database_file, str(manifest["made_at"]), keys_target, set_aside)


def _keys_target(restored: dict[str, str], keys_out: Path | None) -> Path | None:
    """Where the restored keys go; None when the settings already hold them."""
    if restored == configured_keys():
        return None
    keys_file: str = settings.JICENG_KEYS_FILE
    if keys_file:
        return Path(keys_file)
    if keys_out is None:
        raise BackupError(
            "密钥来自环境变量，且与备份里的不同：请用 --keys-out 指定一个文件，"
            "恢复后把其中的密钥装进环境变量，再启动"
        )
    if keys_out.exists():
        raise BackupError(f"{keys_out} 已存在")
    return keys_out


def _keys_text(restored: dict[str, str], target: Path) -> str:
    if str(target) == settings.JICENG_KEYS_FILE:
        return json.dumps(restored)
    # An environment file (systemd's EnvironmentFile, docker's --env-file).
    return "".join(f"JICENG_{name}={value}\n" for name, value in restored.items())


def _restore_sqlite(source: Path, target: str) -> None:
    backup = sqlite3.connect(source)
    try:
        destination = sqlite3.connect(target, uri=True)
        try:
            backup.backup(destination)
        finally:
            destination.close()
    finally:
        backup.close()


def _set_aside(path: Path) -> Path:
    stamp = clock.now().strftime("%Y%m%d%H%M%S")
    moved = path.with_name(f"{path.name}.before-restore-{stamp}")
    path.rename(moved)
    return moved
