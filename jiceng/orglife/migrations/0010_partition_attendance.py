"""On PostgreSQL, attendance partitioned by month (jiceng/core/partitions.py): the rows
copied into monthly partitions, the primary key becoming (id, month). SQLite: nothing."""

from django.db import migrations

from jiceng.core import partitions

TABLES = ["orglife_attendance"]


def partition(apps, schema_editor):
    for name in TABLES:
        partitions.partition(schema_editor.connection, name)


def unpartition(apps, schema_editor):
    for name in reversed(TABLES):
        partitions.unpartition(schema_editor.connection, name)


class Migration(migrations.Migration):
    dependencies = [("orglife", "0009_alter_notice_kind")]

    operations = [migrations.RunPython(partition, unpartition, elidable=False)]
