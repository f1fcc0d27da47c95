"""Foreign keys' own indexes where another index begins with the key's column and serves
its lookups (core.migration_operations.DropKeyIndexConcurrently)."""

import django.db.models.deletion
from django.db import migrations, models

from jiceng.core.migration_operations import DropKeyIndexConcurrently


class Migration(migrations.Migration):
    atomic = False  # the indexes are dropped CONCURRENTLY on PostgreSQL

    dependencies = [
        ("members", "0009_key_indexes_covered"),
        ("orgs", "0007_key_indexes_covered"),
        ("points", "0003_taskforce_hours"),
    ]

    operations = [
        DropKeyIndexConcurrently(
            model_name="pointsentry",
            name="member",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="members.member",
                verbose_name="党员",
            ),
        ),
        DropKeyIndexConcurrently(
            model_name="pointsentry",
            name="organization",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="orgs.organization",
                verbose_name="记分时所在党组织",
            ),
        ),
    ]
