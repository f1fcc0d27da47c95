"""Django's `flush`, which also empties the audit log on SQLite.

`flush` removes every row of every table. On PostgreSQL it TRUNCATEs, which the audit table's
row triggers do not see; on SQLite it runs DELETE FROM, which the trigger refusing to delete
young records would abort. The triggers are lifted for the flush and put back in the same
transaction, so a failed or interrupted flush leaves them in place. Test cases that need
committed transactions (and pytest-django's live server) flush after every test.
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands import flush
from django.db import connections, transaction

from jiceng.core import audit_triggers


class Command(flush.Command):
    def handle(self, **options: Any) -> None:
        connection = connections[options["database"]]
        if connection.vendor != "sqlite" or not audit_triggers.installed(connection):
            super().handle(**options)
            return
        with transaction.atomic(using=options["database"]):
            audit_triggers.remove(connection)
            super().handle(**options)
            audit_triggers.install(connection)
