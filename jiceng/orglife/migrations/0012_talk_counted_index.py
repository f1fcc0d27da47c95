"""The index of the talks that count, which the compliance rollup reads alone."""

from django.db import migrations, models

from jiceng.core.migration_operations import AddIndexConcurrently


class Migration(migrations.Migration):
    atomic = False  # the index is built CONCURRENTLY on PostgreSQL (core.migration_operations)

    dependencies = [("orglife", "0011_talk_counted")]

    operations = [
        AddIndexConcurrently(
            model_name="hearttohearttalk",
            index=models.Index(
                condition=models.Q(("counted", True)),
                fields=["year", "organization", "member", "talked_on"],
                name="orglife_talk_counted",
            ),
        ),
    ]
