"""What `make demo` runs, run for real: honcho starts the Procfile's web server, task worker
and scheduler against a database and var directory of the test's own; a meeting scheduled
through the service must reach its member as a notice and then as a reminder, with nothing
else running, and Ctrl-C must stop all three.

The reminder's lead time is a setting (1 minute here) and the scheduler's interval too (2 s):
the meeting starts 80 s after it is scheduled, so the reminder is due 20 s after it. The test
polls the database with a deadline; it takes about a minute and a half, most of it `migrate`."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.slow

BASE_DIR = Path(settings.BASE_DIR)
BIN = Path(sys.executable).parent
PHONE = "13812345678"

SETUP = """
import datetime as dt, json, django
django.setup()
from jiceng.accounts.models import Role, User
from jiceng.core import clock
from jiceng.orglife.models import MeetingKind
from jiceng.orglife.scheduling import schedule_meeting
from jiceng.testing.personas import add_member, build_tree, user_with

tree = build_tree()
member = add_member(tree.branch, name="何子轩", phone="%(phone)s")
User.objects.create_user(username="he-zixuan", member=member, email="he@example.cn")
secretary = user_with("cui-yueyun", Role.BRANCH_SECRETARY, organization=tree.branch)
starts = clock.now() + dt.timedelta(seconds=80)
meeting = schedule_meeting(
    organization=tree.branch, kind=MeetingKind.PARTY_LECTURE, title="党课：学习新党章",
    starts_at=starts, ends_at=starts + dt.timedelta(hours=1), place="社区党群服务中心",
    by=secretary,
)
print(json.dumps({"member": member.pk, "meeting": meeting.pk}))
"""


def free_port() -> int:
    with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
        s.bind(("::", 0))
        port: int = s.getsockname()[1]
        return port


def poll(check: Callable[[], bool], *, seconds: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.5)
    pytest.fail(f"{what}: not within {seconds:.0f} s\n{log.read_text(errors='replace')[-4000:]}")


def answers(host: str, port: int) -> bool:
    """Whether the site answers there: the home page sends a visitor to sign in (the pages
    themselves need `collectstatic`, which make demo runs and this test skips)."""
    connection = http.client.HTTPConnection(host, port, timeout=2)
    try:
        connection.request("GET", "/")
        response = connection.getresponse()
        return response.status == 302 and "/accounts/login/" in response.getheader("Location", "")
    except OSError:
        return False
    finally:
        connection.close()


@pytest.fixture
def environment(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}  # SQLite in var/
    env.update(
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '/usr/bin:/bin')}",
        PYTHONPATH=str(BASE_DIR),
        DJANGO_SETTINGS_MODULE="jiceng.config.settings.base",
        JICENG_VAR_DIR=str(tmp_path / "var"),
        JICENG_SCHEDULE="tick=60,meeting_reminders=2,meeting_warnings=0,audit_checkpoint=0",
        JICENG_MEETING_REMINDER_LEAD="1",
        JICENG_NOTICE_CHANNELS="email,sms",
        JICENG_SMS_BACKEND="jiceng.notices.sms.FileBackend",
        JICENG_EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        HOST="::",
        WEB_WORKERS="1",
    )
    for name in ("JICENG_SECRET_KEY", "JICENG_FIELD_KEYS", "JICENG_INDEX_KEY", "JICENG_AUDIT_KEY"):
        env.pop(name, None)  # the installation's own keys, made in its var/ as make demo does
    subprocess.run(
        [sys.executable, "-m", "jiceng.manage", "migrate", "-v0"],
        cwd=BASE_DIR,
        env=env,
        check=True,
        timeout=600,
    )
    return env


def children_of(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def group_gone(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


@dataclass
class Running:
    port: int
    log: Path
    honcho: subprocess.Popen[bytes]


@pytest.fixture
def running(environment: dict[str, str], tmp_path: Path) -> Iterator[Running]:
    """`make serve`: honcho with the Procfile, in a session of its own as in a terminal."""
    port = free_port()
    log = tmp_path / "honcho.log"
    with log.open("wb") as out:
        honcho = subprocess.Popen(
            [
                str(BIN / "honcho"),
                "--no-colour",
                "--procfile",
                "Procfile",
                "start",
                "--port",
                str(port),
            ],
            cwd=BASE_DIR,
            env=environment,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        children: list[int] = []
        try:
            yield Running(port, log, honcho)
        finally:
            children = children_of(honcho.pid)
            if honcho.poll() is None:
                honcho.terminate()
                honcho.wait(30)
            for pgid in children:  # honcho starts each process in a session of its own
                if not group_gone(pgid):
                    os.killpg(pgid, signal.SIGKILL)


def test_a_scheduled_meetings_notice_and_reminder_reach_the_member(
    environment: dict[str, str], running: Running
) -> None:
    port, log = running.port, running.log
    var = Path(environment["JICENG_VAR_DIR"])
    # the web server answers on IPv4 and on IPv6
    poll(
        lambda: answers("127.0.0.1", port),
        seconds=120,
        what="the web server on 127.0.0.1",
        log=log,
    )
    assert answers("::1", port), log.read_text(errors="replace")

    made = subprocess.run(
        [sys.executable, "-c", SETUP % {"phone": PHONE}],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    ids = json.loads(made.stdout.splitlines()[-1])

    def kinds() -> set[str]:
        with sqlite3.connect(f"file:{var / 'jiceng.sqlite3'}?mode=ro", uri=True, timeout=5) as db:
            rows = db.execute(
                "SELECT kind FROM orglife_notice WHERE member_id = ? AND meeting_id = ?",
                [ids["member"], ids["meeting"]],
            ).fetchall()
        return {kind for (kind,) in rows}

    poll(lambda: "MEETING_NOTICE" in kinds(), seconds=90, what="the meeting's notice", log=log)
    poll(lambda: "MEETING_REMINDER" in kinds(), seconds=120, what="the reminder", log=log)

    outbox = var / "sms" / "outbox.jsonl"

    def sent() -> list[dict[str, str]]:
        if not outbox.exists():
            return []
        return [json.loads(line) for line in outbox.read_text().splitlines() if line.strip()]

    # the notice's row is written before its message goes out: wait for the second message
    poll(lambda: len(sent()) >= 2, seconds=60, what="the reminder's SMS", log=log)
    sms = sent()
    assert [m["to"] for m in sms] == ["138****5678", "138****5678"]
    assert sms[0]["text"].startswith("【基层党建】") and "党课：学习新党章" in sms[0]["text"]
    assert sms[1]["text"].startswith("【基层党建】提醒：")
    mails = "".join(p.read_text() for p in sorted((var / "mail").iterdir()))
    assert mails.count("To: he@example.cn") == 2
    assert PHONE not in log.read_text(errors="replace")

    # Ctrl-C (the terminal signals honcho, the foreground process) stops all three
    processes = children_of(running.honcho.pid)
    assert len(processes) == 3
    running.honcho.send_signal(signal.SIGINT)
    assert running.honcho.wait(30) is not None
    poll(
        lambda: all(group_gone(pgid) for pgid in processes),
        seconds=20,
        what="every process stopping",
        log=log,
    )
    assert not answers("127.0.0.1", port)
