"""Provinces federated across three real PostgreSQL servers on 127.0.0.1 (the PostgreSQL pass
only): two province instances publish by logical replication to a national one, which sees
both without a key colliding; a province down, then the national instance down, and after each
comes back every figure is there once. The exchange: a transfer sent while the receiver is
down waits, is retried, delivered and taken once; a replay is ignored; the outbox holds only
ciphertext; a probationary member's development file crosses with the record and the receiving
instance decides 转正 on it.

Each server is private to the test (its own directory under the system's temporary one, its
own free port), so the test runs beside others under pytest-xdist; every wait is a poll with a
deadline, and the servers are stopped and their files removed whatever happens.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.conf import settings

from jiceng.development import rules
from jiceng.development.models import Outcome, Step
from jiceng.federation import keys
from jiceng.testing.development_personas import DAYS
from jiceng.testing.personas import new_id_number

JIANGSU, ZHEJIANG = "320000000000", "330000000000"
KEY_JS, KEY_ZJ = keys.new_private_key(), keys.new_private_key()
ROOT = Path(settings.BASE_DIR)
DEADLINE = 90.0  # seconds any one change may take to reach the national instance

pytestmark = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="logical replication needs PostgreSQL (the PostgreSQL pass)",
)


def bindir() -> Path:
    found = subprocess.run(
        [ROOT / "scripts" / "pg-bindir.sh"], capture_output=True, text=True, check=False
    )
    if found.returncode != 0:
        pytest.skip("no PostgreSQL server programs")
    return Path(found.stdout.strip())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_for(what: str, check: Callable[[], bool], timeout: float = DEADLINE) -> None:
    """Polls `check` until it holds, for at most `timeout` seconds."""
    end = time.monotonic() + timeout
    while True:
        try:
            if check():
                return
        except psycopg.OperationalError:
            pass
        if time.monotonic() > end:
            raise AssertionError(f"not within {timeout:.0f} s: {what}")
        time.sleep(0.2)


class Server:
    """One private PostgreSQL server (wal_level=logical), stopped and started on one port."""

    def __init__(self, bin_dir: Path, base: Path, name: str) -> None:
        self.bin = bin_dir
        self.dir = base / name
        self.dir.mkdir()
        self.as_owner: list[str] = []
        if os.geteuid() == 0:  # initdb refuses root: the server runs as Debian's postgres
            shutil.chown(self.dir, "postgres")
            self.as_owner = ["runuser", "-u", "postgres", "--"]
        self.port = free_port()
        self._run(
            "initdb",
            "-D",
            str(self.dir / "data"),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        )
        self.start(first=True)
        self.sql("CREATE DATABASE jiceng", database="postgres")

    def _run(self, program: str, *args: str, check: bool = True) -> None:
        subprocess.run(
            [*self.as_owner, str(self.bin / program), *args],
            check=check,
            capture_output=True,
            timeout=120,
        )

    def start(self, *, first: bool = False) -> None:
        for _ in range(3 if first else 1):
            options = (
                f"-c listen_addresses=127.0.0.1 -c port={self.port}"
                f" -c unix_socket_directories='{self.dir}' -c fsync=off"
                " -c wal_level=logical -c max_replication_slots=8 -c max_wal_senders=8"
                " -c wal_retrieve_retry_interval=200ms"
            )
            started = subprocess.run(
                [
                    *self.as_owner,
                    str(self.bin / "pg_ctl"),
                    "-D",
                    str(self.dir / "data"),
                    "-l",
                    str(self.dir / "server.log"),
                    "-w",
                    "-t",
                    "60",
                    "-s",
                    "-o",
                    options,
                    "start",
                ],
                capture_output=True,
                timeout=120,
                check=False,
            )
            if started.returncode == 0:
                return
            self.port = free_port()  # another process took the port first
        raise AssertionError((self.dir / "server.log").read_text()[-2000:])

    def stop(self) -> None:
        self._run(
            "pg_ctl", "-D", str(self.dir / "data"), "-m", "fast", "-s", "-w", "stop", check=False
        )

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/jiceng"

    @property
    def conninfo(self) -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname=jiceng"

    def sql(self, statement: str, params: Any = None, *, database: str = "jiceng") -> list[Any]:
        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user=postgres dbname={database}",
            autocommit=True,
            connect_timeout=5,
        ) as db:
            cursor = db.execute(statement, params)
            return cursor.fetchall() if cursor.description else []

    def load(self, dump: Path) -> None:
        subprocess.run(
            [
                str(self.bin / "psql"),
                "-q",
                "-X",
                "-v",
                "ON_ERROR_STOP=1",
                "-d",
                self.url,
                "-f",
                str(dump),
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )

    def jiceng(self, command: str, *args: str, **env: str) -> str:
        """A `jiceng` command run against this server's database."""
        done = subprocess.run(
            [sys.executable, "-m", "django", command, *args],
            cwd=ROOT,
            env={
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "jiceng.config.settings.test",
                "DATABASE_URL": self.url,
                **env,
            },
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, Server]]:
    """The nation, Jiangsu and Zhejiang, each with Jiceng's schema: migrated once, then
    copied by pg_dump (faster than three migrations)."""
    bin_dir = bindir()
    base = Path(tempfile.mkdtemp(prefix="jiceng-federation-"))
    os.chmod(base, 0o755)
    made: list[Server] = []
    try:
        first = Server(bin_dir, base, "nation")
        made.append(first)
        first.jiceng("migrate", "-v0")
        dump = base / "schema.sql"
        subprocess.run(
            [str(bin_dir / "pg_dump"), "--no-owner", "--no-privileges", "-f", str(dump), first.url],
            check=True,
            capture_output=True,
            timeout=300,
        )
        for name in ("jiangsu", "zhejiang"):
            made.append(Server(bin_dir, base, name))
            made[-1].load(dump)
        yield dict(zip(("nation", "jiangsu", "zhejiang"), made, strict=True))
    finally:
        for server in made:
            server.stop()
        shutil.rmtree(base, ignore_errors=True)


def add_province(server: Server, code: str, name: str, members: tuple[int, ...]) -> None:
    """A province's tree: the national root, the province's committee, one branch per entry of
    `members` (their member counts), with the rollups filled in; and one month's compliance.
    Both provinces use the same local ids, as two independent databases do."""
    server.sql("DELETE FROM orglife_compliance")
    server.sql("DELETE FROM orgs_organization")
    rows = [
        (
            1,
            "0001",
            1,
            1,
            "中国共产党",
            "CENTRAL",
            None,
            0,
            sum(members),
            len(members),
            len(members),
        ),
        (
            2,
            "00010001",
            2,
            len(members),
            name,
            "LOCAL_COMMITTEE",
            code,
            0,
            sum(members),
            len(members),
            len(members),
        ),
    ]
    for i, count in enumerate(members):
        rows.append(
            (
                3 + i,
                f"00010001{i + 1:04d}",
                3,
                0,
                f"{name}第{i + 1}党支部",
                "BRANCH",
                code,
                count,
                count,
                1,
                1,
            )
        )
    for row in rows:
        server.sql(
            "INSERT INTO orgs_organization (id, path, depth, numchild, name, kind, sector,"
            " division_id, member_count, full_member_count, subtree_member_count,"
            " subtree_branch_count, subtree_org_count)"
            " VALUES (%s, %s, %s, %s, %s, %s, '', %s, %s, %s, %s, %s, %s)",
            [*row[:8], row[7], *row[8:]],
        )
    server.sql(
        "INSERT INTO orglife_compliance (organization_id, month, path, depth, branches, compliant,"
        " met, missing, pending, missing_general_meeting, missing_committee_meeting,"
        " missing_group_meeting, missing_party_lecture, missing_theme_day, missing_life_meeting,"
        " missing_democratic_review, missing_heart_to_heart_talk, members_without_talk,"
        " expected, present) VALUES (2, 202505, '00010001', 2, %s, %s, 0, 0, 0, 0, 0, 0, 0, 0,"
        " 0, 0, 0, 0, 0, 0)",
        [len(members), len(members) - 1],
    )


def set_branch_members(server: Server, local_id: int, count: int) -> None:
    """A branch's member count changes, and the rollups above it with it."""
    before = server.sql("SELECT member_count FROM orgs_organization WHERE id = %s", [local_id])
    delta = count - before[0][0]
    server.sql(
        "UPDATE orgs_organization SET member_count = %s, full_member_count = %s,"
        " subtree_member_count = %s WHERE id = %s",
        [count, count, count, local_id],
    )
    server.sql(
        "UPDATE orgs_organization SET subtree_member_count = subtree_member_count + %s"
        " WHERE depth < 3",
        [delta],
    )


def national(server: Server) -> dict[str, tuple[int, int]]:
    """What the national instance shows per province: (members at its top, rows held)."""
    tops = dict(
        server.sql(
            "SELECT province_code, subtree_member_count FROM federation_publishedorganization"
            " WHERE depth = 0"
        )
    )
    rows = dict(
        server.sql(
            "SELECT province_code, COUNT(*) FROM federation_publishedorganization"
            " GROUP BY province_code"
        )
    )
    return {code: (tops.get(code, 0), rows[code]) for code in rows}


def test_two_provinces_replicate_to_the_nation_and_a_province_down_is_counted_once(
    servers: dict[str, Server],
) -> None:
    js, zj, nation = servers["jiangsu"], servers["zhejiang"], servers["nation"]
    add_province(js, JIANGSU, "中共江苏省委", (10, 20))
    add_province(zj, ZHEJIANG, "中共浙江省委", (30, 5, 15))
    assert "已建立发布" in js.jiceng("federation-publish", JICENG_FEDERATION_PROVINCE=JIANGSU)
    zj.jiceng("federation-publish", JICENG_FEDERATION_PROVINCE=ZHEJIANG)
    nation.jiceng("federation-subscribe", JIANGSU, js.conninfo)
    nation.jiceng("federation-subscribe", ZHEJIANG, zj.conninfo)
    again = nation.jiceng("federation-subscribe", JIANGSU, js.conninfo)
    assert "已存在" in again

    # the national root of each province is not published: its top is the province committee
    expected = {JIANGSU: (30, 3), ZHEJIANG: (50, 4)}
    wait_for("both provinces at the nation", lambda: national(nation) == expected)
    # the same local ids in both provinces, two rows each: no collision
    same = nation.sql(
        "SELECT local_id, COUNT(*) FROM federation_publishedorganization GROUP BY local_id"
        " ORDER BY local_id"
    )
    assert same == [(2, 2), (3, 2), (4, 2), (5, 1)]
    assert nation.sql(
        "SELECT province_code, branches, compliant FROM federation_publishedcompliance"
        " ORDER BY province_code"
    ) == [(JIANGSU, 2, 1), (ZHEJIANG, 3, 2)]

    # Jiangsu goes down; Zhejiang's changes keep arriving meanwhile
    js.stop()
    set_branch_members(zj, 3, 40)
    zj.jiceng("federation-publish", JICENG_FEDERATION_PROVINCE=ZHEJIANG)
    expected[ZHEJIANG] = (60, 4)
    wait_for("Zhejiang while Jiangsu is down", lambda: national(nation) == expected)

    # Jiangsu comes back, changes and publishes: its publication resumes, nothing doubles
    js.start()
    set_branch_members(js, 3, 11)
    js.jiceng("federation-publish", JICENG_FEDERATION_PROVINCE=JIANGSU)
    expected[JIANGSU] = (31, 3)
    wait_for("Jiangsu after coming back", lambda: national(nation) == expected)

    # the nation goes down while Jiangsu changes twice and publishes each time (once with
    # nothing new); when it comes back it catches up from its slot, each row once
    nation.stop()
    set_branch_members(js, 4, 25)
    published = js.jiceng("federation-publish", JICENG_FEDERATION_PROVINCE=JIANGSU)
    assert "党组织：写入 2" in published  # the branch and the province's top
    assert "党组织：写入 0" in js.jiceng("federation-publish", JICENG_FEDERATION_PROVINCE=JIANGSU)
    nation.start()
    expected[JIANGSU] = (36, 3)
    wait_for("the nation after coming back", lambda: national(nation) == expected)
    total = nation.sql(
        "SELECT SUM(subtree_member_count) FROM federation_publishedorganization WHERE depth = 0"
    )
    assert total == [(96,)]


EXCHANGE_ENV = {
    "JICENG_FEDERATION_RETRY_SECONDS": "30",
    "JICENG_FEDERATION_CONNECT_TIMEOUT": "2",
}

QUEUE = """
import django; django.setup()
from django.db import transaction
from jiceng.federation import exchange
from jiceng.federation.models import MessageKind
with transaction.atomic():
    m = exchange.queue(peer="{peer}", kind=MessageKind.TRANSFER, payload={{
        "to_local_id": 3, "from_organization": "中共江苏省委第1党支部", "letter": "第0001号",
        "member": {{"name": "赵磊", "id_number": "320113198506010011"}}}})
print(m.message_id)
"""


def run_python(server: Server, code: str, **env: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "jiceng.config.settings.test",
            "DATABASE_URL": server.url,
            **env,
        },
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip()


def test_a_transfer_sent_while_the_receiver_is_down_arrives_once(
    servers: dict[str, Server],
) -> None:
    js, zj = servers["jiangsu"], servers["zhejiang"]
    add_province(zj, ZHEJIANG, "中共浙江省委", (30, 5, 15))
    sender = {
        **EXCHANGE_ENV,
        "JICENG_FEDERATION_PROVINCE": JIANGSU,
        "JICENG_FEDERATION_KEY": KEY_JS,
        "JICENG_FEDERATION_PEER_KEYS": f"{ZHEJIANG}:{keys.public_key_text(KEY_ZJ)}",
        "JICENG_FEDERATION_PEER_DATABASES": f"{ZHEJIANG}={zj.url}",
    }
    receiver = {
        **EXCHANGE_ENV,
        "JICENG_FEDERATION_PROVINCE": ZHEJIANG,
        "JICENG_FEDERATION_KEY": KEY_ZJ,
        "JICENG_FEDERATION_PEER_KEYS": f"{JIANGSU}:{keys.public_key_text(KEY_JS)}",
    }
    message_id = run_python(js, QUEUE.format(peer=ZHEJIANG), **sender).splitlines()[-1]
    body = js.sql("SELECT body FROM federation_outboxmessage WHERE message_id = %s", [message_id])
    at_rest = bytes(body[0][0])
    assert "赵磊".encode() not in at_rest and b"320113198506010011" not in at_rest

    def outbox() -> tuple[int, bool]:
        rows = js.sql(
            "SELECT attempts, delivered_at IS NOT NULL FROM federation_outboxmessage"
            " WHERE message_id = %s",
            [message_id],
        )
        return rows[0][0], rows[0][1]

    zj.stop()
    assert "待重试 1" in js.jiceng("federation-exchange", **sender)
    assert outbox() == (1, False)
    zj.start()
    js.jiceng("federation-exchange", **sender)  # not due yet: it waits its 30 s
    assert outbox() == (1, False)
    # the 30 s pass
    js.sql("UPDATE federation_outboxmessage SET next_attempt_at = now() - interval '1 second'")
    assert "送达 1" in js.jiceng("federation-exchange", **sender)
    assert outbox() == (2, True)
    assert "收件处理 1" in zj.jiceng("federation-exchange", **receiver)

    # a replay: the same message handed over again is held and taken once
    js.sql(
        "UPDATE federation_outboxmessage SET delivered_at = NULL,"
        " next_attempt_at = now() - interval '1 second'"
    )
    assert "送达 1" in js.jiceng("federation-exchange", **sender)
    assert "收件处理 0" in zj.jiceng("federation-exchange", **receiver)
    assert zj.sql("SELECT COUNT(*) FROM federation_inboxmessage") == [(1,)]
    assert zj.sql(
        "SELECT member_name, sender, to_organization_id FROM federation_incomingtransfer"
    ) == [("赵磊", JIANGSU, 3)]
    audits = js.sql(
        "SELECT action, result FROM core_auditrecord"
        " WHERE action IN ('federation.queue', 'federation.deliver') ORDER BY id"
    )
    assert audits == [
        ("federation.queue", "SUCCESS"),
        ("federation.deliver", "FAILURE"),
        ("federation.deliver", "SUCCESS"),
        ("federation.deliver", "SUCCESS"),
    ]


QUEUE_RECORD = """
import django, json, os; django.setup()
from django.db import transaction
from jiceng.federation import exchange
from jiceng.federation.models import MessageKind
with transaction.atomic():
    m = exchange.queue(peer=os.environ["PEER"], kind=MessageKind.TRANSFER,
                       payload=json.loads(os.environ["PAYLOAD"]))
print(m.message_id)
"""

ACCEPT_AND_DECIDE = """
import django, json, os, datetime as dt; django.setup()
from jiceng.development.models import Applicant, Step
from jiceng.federation import arrivals
from jiceng.federation.models import IncomingTransfer
from jiceng.members.models import Member
from jiceng.testing.development_personas import walk
incoming = IncomingTransfer.objects.get(message__message_id=os.environ["MESSAGE"])
member = arrivals.accept_incoming(incoming=incoming, by=None, on=dt.date(2025, 6, 5))
here = Applicant.objects.get(member=member)
seen = [here.standing, here.last_step, here.next_due_on.isoformat(),
        here.steps.filter(is_carried=True).count(), here.carried.province_code]
here = walk(here, until=Step.FULL_APPROVAL, secretary=None, department=None, people=[])
member = Member.objects.get(pk=member.pk)
print(json.dumps([*seen, here.standing, member.status, member.full_member_on.isoformat()]))
"""


def probationary_record(applied: dt.date) -> dict[str, Any]:
    """A probationary member's record as a sender of this version writes it: admitted on
    2025-03-15 and sworn in, the development file with it (the steps' dates counted as the
    development personas count them)."""
    steps = []
    for spec in rules.STEPS[: rules.ORDER[Step.OATH] + 1]:
        step: dict[str, Any] = {
            "step": spec.step.value,
            "round": 1,
            "done_on": (applied + dt.timedelta(DAYS[spec.step])).isoformat(),
            "body": spec.body.value,
            "decided_by": "中共江苏省委某街道工委" if spec.approval else "",
            "decision": "",
            "outcome": Outcome.APPROVED.value if spec.outcomes else "",
            "people": "周敏、吴刚" if spec.people else "",
            "document_number": "3201132024001" if spec.document else "",
        }
        step.update(dict.fromkeys(("hours", "days", "votes_for", "voters", "months")))
        if spec.votes:
            step["votes_for"], step["voters"] = 18, 20
        steps.append(step)
    meeting = applied + dt.timedelta(DAYS[Step.ADMISSION_MEETING])
    return {
        "transfer": 7,
        "to_local_id": 3,
        "to_name": "中共浙江省委第1党支部",
        "from_organization": "中共江苏省委第1党支部",
        "letter": "第0002号",
        "reason": "工作调动",
        "leaves_on": "2025-06-01",
        "dues_paid_to": None,
        "member": {
            "name": "赵青",
            "gender": "",  # the ID number's
            "ethnicity": "汉族",
            "birth_date": "2000-04-01",
            "id_number": new_id_number(birth=dt.date(2000, 4, 1)),
            "phone": "",
            "education": "",
            "category": "在岗职工",
            "joined_on": meeting.isoformat(),
            "full_member_on": None,
            "status": "PROBATIONARY",
            "probation_extended_months": 0,
        },
        "development": {
            "version": 1,
            "organization": "中共江苏省委第1党支部",
            "applied_on": applied.isoformat(),
            "last_step": Step.OATH.value,
            "extended_months": 0,
            "steps": steps,
        },
    }


def test_a_probationary_members_file_crosses_servers_and_full_membership_is_decided_there(
    servers: dict[str, Server],
) -> None:
    js, zj = servers["jiangsu"], servers["zhejiang"]
    if zj.sql("SELECT COUNT(*) FROM orgs_organization") == [(0,)]:
        add_province(zj, ZHEJIANG, "中共浙江省委", (30, 5, 15))
    sender = {
        **EXCHANGE_ENV,
        "JICENG_FEDERATION_PROVINCE": JIANGSU,
        "JICENG_FEDERATION_KEY": KEY_JS,
        "JICENG_FEDERATION_PEER_KEYS": f"{ZHEJIANG}:{keys.public_key_text(KEY_ZJ)}",
        "JICENG_FEDERATION_PEER_DATABASES": f"{ZHEJIANG}={zj.url}",
    }
    receiver = {
        **EXCHANGE_ENV,
        "JICENG_FEDERATION_PROVINCE": ZHEJIANG,
        "JICENG_FEDERATION_KEY": KEY_ZJ,
        "JICENG_FEDERATION_PEER_KEYS": f"{JIANGSU}:{keys.public_key_text(KEY_JS)}",
    }
    applied = dt.date(2023, 11, 1)
    payload = json.dumps(probationary_record(applied), ensure_ascii=False)
    message_id = run_python(
        js, QUEUE_RECORD, PEER=ZHEJIANG, PAYLOAD=payload, **sender
    ).splitlines()[-1]
    body = js.sql("SELECT body FROM federation_outboxmessage WHERE message_id = %s", [message_id])
    assert "周敏".encode() not in bytes(body[0][0])
    assert "送达 1" in js.jiceng("federation-exchange", **sender)
    assert "收件处理 1" in zj.jiceng("federation-exchange", **receiver)

    seen = json.loads(
        run_python(zj, ACCEPT_AND_DECIDE, MESSAGE=message_id, **receiver).splitlines()[-1]
    )
    ends = dt.date(2026, 3, 15)  # a year after the general meeting of 2025-03-15
    assert seen == [
        "PROBATIONARY",
        "OATH",
        ends.isoformat(),
        20,
        JIANGSU,
        "FULL",
        "FULL",
        ends.isoformat(),
    ]
    assert zj.sql(
        "SELECT decided_by_name, people_names FROM development_steprecord"
        " WHERE is_carried AND step IN ('ADMISSION_APPROVAL', 'INTRODUCERS') ORDER BY step"
    ) == [("中共江苏省委某街道工委", ""), ("", "周敏、吴刚")]
    assert zj.sql(
        "SELECT COUNT(*) FROM core_auditrecord WHERE action = 'development.take_carried_file'"
    ) == [(1,)]


SEND_PROBATIONARY = """
import django, json, os; django.setup()
from django.db import transaction
from jiceng.development.models import Step
from jiceng.federation import crossing
from jiceng.orgs.models import Organization
from jiceng.testing.development_personas import register, walk
from jiceng.testing.personas import add_member
from jiceng.transfers import services
from jiceng.transfers.models import StepAction
branch = Organization.objects.get(pk=3)
people = [add_member(branch, name=n) for n in ("周敏", "吴刚")]
case = walk(register(branch, by=None, name="钱芳"), until=Step.OATH, secretary=None,
            department=None, people=people)
with transaction.atomic():
    transfer = crossing.start_cross_province_transfer(
        member=case.member, province=os.environ["PEER"], local_id=3,
        name="中共浙江省委第1党支部", reason="工作调动", by=None)
    transfer = services.take_step(transfer=transfer, action=StepAction.APPROVE_OUT, by=None)
print(json.dumps([case.pk, transfer.pk, case.status]))
"""

ACCEPT = """
import django, os; django.setup()
from jiceng.federation import arrivals
from jiceng.federation.models import IncomingTransfer
incoming = IncomingTransfer.objects.filter(member_name="钱芳").get()
print(arrivals.accept_incoming(incoming=incoming, by=None).status)
"""


def test_the_senders_development_case_closes_as_moved_out_across_servers(
    servers: dict[str, Server],
) -> None:
    """Jiangsu sends a probationary member it admitted; Zhejiang accepts her; the answer
    closes Jiangsu's letter and its development case as 已转出，由接收方继续考察 (MOVED_OUT, not
    terminated, never late), while Zhejiang's recreated case stays open there."""
    js, zj = servers["jiangsu"], servers["zhejiang"]
    if js.sql("SELECT COUNT(*) FROM orgs_organization") == [(0,)]:
        add_province(js, JIANGSU, "中共江苏省委", (10, 20))
    if zj.sql("SELECT COUNT(*) FROM orgs_organization") == [(0,)]:
        add_province(zj, ZHEJIANG, "中共浙江省委", (30, 5, 15))
    sender = {
        **EXCHANGE_ENV,
        "JICENG_FEDERATION_PROVINCE": JIANGSU,
        "JICENG_FEDERATION_KEY": KEY_JS,
        "JICENG_FEDERATION_PEER_KEYS": f"{ZHEJIANG}:{keys.public_key_text(KEY_ZJ)}",
        "JICENG_FEDERATION_PEER_DATABASES": f"{ZHEJIANG}={zj.url}",
    }
    receiver = {
        **EXCHANGE_ENV,
        "JICENG_FEDERATION_PROVINCE": ZHEJIANG,
        "JICENG_FEDERATION_KEY": KEY_ZJ,
        "JICENG_FEDERATION_PEER_KEYS": f"{JIANGSU}:{keys.public_key_text(KEY_JS)}",
        "JICENG_FEDERATION_PEER_DATABASES": f"{JIANGSU}={js.url}",
    }
    case_id, transfer_id, status = json.loads(
        run_python(js, SEND_PROBATIONARY, PEER=ZHEJIANG, **sender).splitlines()[-1]
    )
    assert status == "OPEN"
    assert "送达 1" in js.jiceng("federation-exchange", **sender)
    assert "收件处理 1" in zj.jiceng("federation-exchange", **receiver)
    assert run_python(zj, ACCEPT, **receiver).splitlines()[-1] == "PROBATIONARY"
    zj.jiceng("federation-exchange", **receiver)  # the answer goes back
    assert "收件处理 1" in js.jiceng("federation-exchange", **sender)

    assert js.sql(
        "SELECT t.state, m.status FROM transfers_transfer t"
        " JOIN members_member m ON m.id = t.member_id WHERE t.id = %s",
        [transfer_id],
    ) == [("COMPLETED", "TRANSFERRED_OUT")]
    assert js.sql(
        "SELECT status, next_due_on FROM development_applicant WHERE id = %s", [case_id]
    ) == [("MOVED_OUT", None)]
    assert js.sql(
        "SELECT transfer_id, from_organization_id, to_organization_id"
        " FROM development_casemove WHERE applicant_id = %s",
        [case_id],
    ) == [(transfer_id, 3, None)]
    assert js.sql(
        "SELECT COUNT(*) FROM core_auditrecord WHERE action = 'development.hand_over'"
    ) == [(1,)]
    # the admission stays in Jiangsu's tally; Zhejiang's recreated case is open there
    assert js.sql("SELECT admitted FROM development_admissiontally WHERE organization_id = 3") == [
        (1,)
    ]
    assert zj.sql(
        "SELECT a.status, a.standing FROM development_applicant a"
        " JOIN development_carriedfile f ON f.applicant_id = a.id WHERE a.name = '钱芳'"
    ) == [("OPEN", "PROBATIONARY")]
