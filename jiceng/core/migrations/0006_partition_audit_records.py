"""On PostgreSQL, the audit records partitioned by month (jiceng/core/partitions.py): the rows
copied into monthly partitions, the primary key becoming (id, at). SQLite: nothing."""

from django.db import migrations

from jiceng.core import partitions

TABLES = ["core_auditrecord"]


def partition(apps, schema_editor):
    for name in TABLES:
        partitions.partition(schema_editor.connection, name)


def unpartition(apps, schema_editor):
    for name in reversed(TABLES):
        partitions.unpartition(schema_editor.connection, name)


class Migration(migrations.Migration):
    dependencies = [("core", "0005_admin_account_event")]

    operations = [migrations.RunPython(partition, unpartition, elidable=False)]
