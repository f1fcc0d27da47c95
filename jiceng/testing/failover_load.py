"""The intake load of the failover test: citizens' cases submitted one after another through
the intake service (cases.intake.submit_case, what Open311 and the web form call), for at most
`--seconds`, or until the file `--stop` appears.

    DATABASE_URL=postgresql://postgres@h1:p1,h2:p2/jiceng?target_session_attrs=read-write \\
    DJANGO_SETTINGS_MODULE=jiceng.config.settings.test python -m jiceng.testing.failover_load ...

Each answer is one line on stdout: `ok <case id> <unix time>` once submit_case has returned
(its transaction committed: the citizen was told the case is received), `fail <unix time>
<error>` when it raised. After a failure the connection is dropped, so the next case
connects again and libpq finds whichever node is the primary now.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from pathlib import Path

import django


def prepare() -> None:
    """What intake needs in an empty schema: the request types, the divisions and a grid."""
    from jiceng.grid import services
    from jiceng.testing.cases_personas import ensure_categories
    from jiceng.testing.grid_personas import make_divisions, square

    ensure_categories()
    divisions = make_divisions()
    services.create_grid(
        code="XL-WY-01",
        name="文苑第一网格",
        community=divisions["320113007001"],
        boundary=square(118.900, 32.100, 118.905, 32.105),
        by=None,
    )


def submit_one(number: int) -> int:
    from jiceng.cases import categories, intake

    submitted = intake.submit_case(
        channel="WEB",
        type=categories.type_by_code("complaint"),
        subject=categories.subject_by_code("city-garbage"),
        description=f"小区门口垃圾三天没有清运（第 {number} 件）",
        lon=118.902,
        lat=32.102,
        address="文苑路 1 号",
        reporter_name="王先生",
        reporter_phone="13912345678",
    )
    return submitted.case.pk


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--stop", type=Path, required=True)
    parser.add_argument("--prepare", action="store_true")
    arguments = parser.parse_args()
    django.setup()
    from django.db import connection

    if arguments.prepare:
        prepare()
        say("prepared")
        return 0
    deadline = time.monotonic() + arguments.seconds
    number = 0
    say("started")
    while time.monotonic() < deadline and not arguments.stop.exists():
        number += 1
        try:
            pk = submit_one(number)
        except Exception as error:  # every failure is an answer of the load
            say(f"fail {time.time():.3f} {type(error).__name__}")
            with contextlib.suppress(Exception):
                connection.close()
            time.sleep(0.1)  # a dead primary answers at once: do not spin
            continue
        say(f"ok {pk} {time.time():.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
