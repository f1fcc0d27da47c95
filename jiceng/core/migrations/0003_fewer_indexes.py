"""The audit record's user gets a partial index (user, at) instead of an index of every row: a
citizen's or a machine's write names no one, and each index is written by every append.

On SQLite the AlterField rebuilds core_auditrecord, which drops the append-only triggers with
the old table (audit_triggers): they are installed again after it, and again after the
rebuild when the migration is reversed.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from jiceng.core import audit_triggers


def reinstall_triggers(apps, schema_editor):
    audit_triggers.remove(schema_editor.connection)
    audit_triggers.install(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_audit_append_only"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # Reversed last: after the reverse AlterField has rebuilt the table.
        migrations.RunPython(migrations.RunPython.noop, reinstall_triggers),
        migrations.AlterField(
            model_name="auditrecord",
            name="user",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="用户",
            ),
        ),
        migrations.AddIndex(
            model_name="auditrecord",
            index=models.Index(
                condition=models.Q(("user__isnull", False)),
                fields=["user", "at"],
                name="audit_user",
            ),
        ),
        migrations.RunPython(reinstall_triggers, migrations.RunPython.noop),
    ]
