"""On PostgreSQL, case events and notices partitioned by month (jiceng/core/partitions.py): the rows
copied into monthly partitions, the primary key becoming (id, at) and (id, created_at). SQLite: nothing."""

from django.db import migrations

from jiceng.core import partitions

TABLES = ["cases_caseevent", "cases_notice"]


def partition(apps, schema_editor):
    for name in TABLES:
        partitions.partition(schema_editor.connection, name)


def unpartition(apps, schema_editor):
    for name in reversed(TABLES):
        partitions.unpartition(schema_editor.connection, name)


class Migration(migrations.Migration):
    dependencies = [("cases", "0009_notices_sent_in_batches")]

    operations = [migrations.RunPython(partition, unpartition, elidable=False)]
