"""Database triggers that keep the audit table append-only (see jiceng/core/audit_triggers.py).

On SQLite, a later migration that alters core_auditrecord rebuilds the table and loses these
triggers: it must install them again.
"""

from django.db import migrations

from jiceng.core import audit_triggers


def install(apps, schema_editor):
    audit_triggers.install(schema_editor.connection)


def remove(apps, schema_editor):
    audit_triggers.remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [migrations.RunPython(install, remove)]
