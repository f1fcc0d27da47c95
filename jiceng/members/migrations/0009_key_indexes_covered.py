"""Foreign keys' own indexes where another index begins with the key's column and serves
its lookups (core.migration_operations.DropKeyIndexConcurrently)."""

import django.db.models.deletion
from django.db import migrations, models

from jiceng.core.migration_operations import DropKeyIndexConcurrently


class Migration(migrations.Migration):
    atomic = False  # the indexes are dropped CONCURRENTLY on PostgreSQL

    dependencies = [
        ("members", "0008_id_number_column_not_unique"),
        ("orgs", "0007_key_indexes_covered"),
    ]

    operations = [
        DropKeyIndexConcurrently(
            model_name="memberevent",
            name="member",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="events",
                to="members.member",
                verbose_name="党员",
            ),
        ),
    ]
