"""`jiceng backup` and `jiceng restore`: a backup of the test database restored into a fresh
folder (and, on PostgreSQL, a fresh database) by new processes that know nothing but the folder
and the passphrase, holds the same rows, an audit chain that verifies, and ID numbers its
restored keys reveal; the same database without its keys file refuses to start."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from jiceng.accounts.models import User
from jiceng.core import audit_checkpoints, backups, crypto
from jiceng.core.models import AuditRecord
from jiceng.members.models import Member
from jiceng.testing.personas import Tree, add_member

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

PASSPHRASE = "栖霞区 backup passphrase 2025"


def counts() -> dict[str, int]:
    return {m._meta.label: m._default_manager.count() for m in apps.get_models()}


@pytest.fixture
def passphrase_file(tmp_path: Path) -> Path:
    path = tmp_path / "passphrase"
    path.write_text(PASSPHRASE + "\n")
    return path


@pytest.fixture
def target_database() -> Iterator[str | None]:
    """DATABASE_URL of a fresh, empty database on the test's PostgreSQL server (dropped after);
    None on SQLite, where the fresh folder holds the database."""
    if connection.vendor != "postgresql":
        yield None
        return
    name = f"jiceng_restored_{uuid.uuid4().hex[:12]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/" + name
    yield url
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def jiceng(
    args: list[str], *, var_dir: Path, database_url: str | None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """A new process with the installation's own settings: nothing from the test settings, its
    keys from var_dir/secrets.json unless `env` gives them."""
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "jiceng.config.settings.base",
        "JICENG_VAR_DIR": str(var_dir),
        **({"DATABASE_URL": database_url} if database_url else {}),
        **(env or {}),
    }
    return subprocess.run(
        [sys.executable, *args],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


INSPECT = """
import json, django
django.setup()
from django.apps import apps
from django.core import checks
from jiceng.accounts.models import User
from jiceng.core import audit
from jiceng.members import queries, services
from jiceng.members.models import Member

counts = {m._meta.label: m._default_manager.count() for m in apps.get_models()}
before = audit.verify()
member, personal = queries.reveal_personal_data(User.objects.get(username=USERNAME), PK)
after = audit.verify()
found = list(
    Member.objects.filter(id_number_digest=services.id_number_digest(personal.id_number))
    .values_list("pk", flat=True)
)
print(json.dumps({
    "counts": counts,
    "verified": [before.ok, before.reason, before.checkpoints, after.ok, after.checked],
    "id_number": personal.id_number,
    "found": found,
    "key_errors": [e.msg for e in checks.run_checks(databases=["default"]) if e.id == "core.E001"],
}))
"""


def inspect(
    var_dir: Path, database_url: str | None, member: Member, user: User, **env: str
) -> dict[str, Any]:
    code = INSPECT.replace("USERNAME", repr(user.username)).replace("PK", str(member.pk))
    result = jiceng(["-c", code], var_dir=var_dir, database_url=database_url, env=env)
    assert result.returncode == 0, result.stderr
    seen: dict[str, Any] = json.loads(result.stdout.splitlines()[-1])
    return seen


@pytest.fixture
def backed_up(
    tree: Tree, district_department: User, tmp_path: Path, passphrase_file: Path
) -> tuple[Path, Member, str, dict[str, int]]:
    members = [add_member(tree.branch, name=name) for name in ("王芳", "赵磊", "孙丽")]
    id_number = crypto.unseal(members[1].id_number_sealed, field="id_number")
    call_command("audit", "checkpoint", stdout=StringIO())
    folder = tmp_path / "backup"

    out = StringIO()
    call_command("backup", str(folder), "--passphrase-file", str(passphrase_file), stdout=out)

    assert "已备份到" in out.getvalue()
    return folder, members[1], id_number, counts()


def test_a_backup_restored_into_a_fresh_folder_holds_the_same_data_and_keys(
    backed_up: tuple[Path, Member, str, dict[str, int]],
    district_department: User,
    tmp_path: Path,
    passphrase_file: Path,
    target_database: str | None,
) -> None:
    folder, member, id_number, source_counts = backed_up
    names = {p.name for p in folder.iterdir()}
    assert names == {"manifest.json", "keys.sealed.json", "checkpoints.jsonl"} | {
        backups.DATABASE_FILES[connection.vendor]
    }
    sealed_text = (folder / "keys.sealed.json").read_text()
    assert settings.JICENG_INDEX_KEY not in sealed_text  # sealed, not copied
    assert AuditRecord.objects.filter(action="core.backup").count() == 1
    fresh = tmp_path / "fresh"

    restored = jiceng(
        ["-m", "jiceng.manage", "restore", str(folder), "--passphrase-file", str(passphrase_file)],
        var_dir=fresh,
        database_url=target_database,
    )

    assert restored.returncode == 0, restored.stderr
    assert "已恢复" in restored.stdout
    assert json.loads((fresh / "secrets.json").read_text())["INDEX_KEY"] == (
        settings.JICENG_INDEX_KEY
    )
    assert (fresh / "secrets.json").stat().st_mode & 0o077 == 0
    assert (fresh / "audit-checkpoints" / "checkpoints.jsonl").exists()
    seen = inspect(fresh, target_database, member, district_department)
    assert seen["counts"] == source_counts
    ok, reason, checkpoints, ok_after, checked_after = seen["verified"]
    assert (ok, reason) == (True, "") and checkpoints >= 1
    assert ok_after and checked_after == source_counts["core.AuditRecord"] + 1
    assert seen["id_number"] == id_number
    assert seen["found"] == [member.pk]  # the restored index key finds the duplicate
    assert seen["key_errors"] == []


def test_the_database_without_its_keys_file_refuses_to_start(
    backed_up: tuple[Path, Member, str, dict[str, int]],
    tmp_path: Path,
    passphrase_file: Path,
    target_database: str | None,
) -> None:
    folder = backed_up[0]
    fresh = tmp_path / "fresh"
    restored = jiceng(
        ["-m", "jiceng.manage", "restore", str(folder), "--passphrase-file", str(passphrase_file)],
        var_dir=fresh,
        database_url=target_database,
    )
    assert restored.returncode == 0, restored.stderr
    # The keys file lost: the next start makes new keys beside the old data.
    (fresh / "secrets.json").unlink()

    for command in (["check", "--database", "default"], ["migrate", "--noinput"]):
        refused = jiceng(
            ["-m", "jiceng.manage", *command], var_dir=fresh, database_url=target_database
        )
        assert refused.returncode != 0
        assert "core.E001" in refused.stderr and "密钥与数据不符" in refused.stderr
        assert str(fresh / "secrets.json") in refused.stderr


def test_keys_from_the_environment_are_written_for_the_operator(
    backed_up: tuple[Path, Member, str, dict[str, int]],
    district_department: User,
    tmp_path: Path,
    passphrase_file: Path,
    target_database: str | None,
) -> None:
    folder, member, id_number, _ = backed_up
    fresh, keys_out = tmp_path / "fresh", tmp_path / "restored.env"
    other_keys = {
        "JICENG_SECRET_KEY": "another-installation-" + "x" * 40,
        "JICENG_FIELD_KEYS": "1:" + "3c" * 16,
        "JICENG_INDEX_KEY": "c3" * 32,
        "JICENG_AUDIT_KEY": "d4" * 32,
    }
    restore = ["-m", "jiceng.manage", "restore", str(folder)]
    restore += ["--passphrase-file", str(passphrase_file)]

    refused = jiceng(restore, var_dir=fresh, database_url=target_database, env=other_keys)
    assert refused.returncode != 0 and "--keys-out" in refused.stderr
    restored = jiceng(
        [*restore, "--keys-out", str(keys_out)],
        var_dir=fresh,
        database_url=target_database,
        env=other_keys,
    )

    assert restored.returncode == 0, restored.stderr
    assert not (fresh / "secrets.json").exists()
    environment = dict(
        line.split("=", 1) for line in keys_out.read_text().splitlines() if line.strip()
    )
    assert environment["JICENG_FIELD_KEYS"] == settings.JICENG_FIELD_KEYS
    assert keys_out.stat().st_mode & 0o077 == 0
    seen = inspect(fresh, target_database, member, district_department, **environment)
    assert seen["id_number"] == id_number and seen["verified"][0]


def test_a_wrong_passphrase_a_damaged_file_or_a_full_database_are_refused(
    backed_up: tuple[Path, Member, str, dict[str, int]], tmp_path: Path, passphrase_file: Path
) -> None:
    folder = backed_up[0]
    wrong = tmp_path / "wrong"
    wrong.write_text("not the passphrase at all\n")

    with pytest.raises(CommandError, match="口令不对"):
        call_command("restore", str(folder), "--passphrase-file", str(wrong))
    with pytest.raises(CommandError, match="不是空的"):
        call_command("restore", str(folder), "--passphrase-file", str(passphrase_file))
    manifest = folder / "manifest.json"
    manifest.write_text(manifest.read_text().replace('"vendor"', '"vendor" ', 1))
    with pytest.raises(CommandError, match=r"manifest\.json 缺失或被改动"):
        call_command("restore", str(folder), "--passphrase-file", str(passphrase_file))


def test_a_backup_needs_a_long_passphrase_and_an_empty_folder(
    tree: Tree, tmp_path: Path, passphrase_file: Path
) -> None:
    short = tmp_path / "short"
    short.write_text("short\n")
    full = tmp_path / "full"
    full.mkdir()
    (full / "something").write_text("")

    with pytest.raises(CommandError, match="至少 12 个字符"):
        call_command("backup", str(tmp_path / "b"), "--passphrase-file", str(short))
    with pytest.raises(CommandError, match="不是空的"):
        call_command("backup", str(full), "--passphrase-file", str(passphrase_file))


def test_the_sealed_keys_open_only_with_their_passphrase() -> None:
    payload = {"keys": {"INDEX_KEY": "ab" * 32}, "digests": {}}

    sealed = backups.seal_with_passphrase(payload, PASSPHRASE)

    assert sealed["cipher"] == "SM4-GCM" and sealed["kdf"]["name"] == "scrypt"
    assert "ab" * 32 not in json.dumps(sealed)
    assert backups.open_with_passphrase(sealed, PASSPHRASE) == payload
    with pytest.raises(backups.BackupError):
        backups.open_with_passphrase(sealed, PASSPHRASE + "!")
    tampered = sealed | {"sealed": ("00" + sealed["sealed"][2:])}
    with pytest.raises(backups.BackupError):
        backups.open_with_passphrase(tampered, PASSPHRASE)


def test_backup_writes_a_checkpoint_the_copy_holds(
    backed_up: tuple[Path, Member, str, dict[str, int]],
) -> None:
    folder = backed_up[0]
    copied = [json.loads(line) for line in (folder / "checkpoints.jsonl").read_text().splitlines()]
    manifest = json.loads((folder / "manifest.json").read_text())

    assert copied[-1]["reason"] == "backup"
    assert copied[-1]["last_id"] == manifest["audit_head"]["last_id"]
    assert audit_checkpoints.read()[-1].reason == "backup"
