"""Foreign keys' own indexes where another index begins with the key's column and serves
its lookups (core.migration_operations.DropKeyIndexConcurrently)."""

import django.db.models.deletion
from django.db import migrations, models

from jiceng.core.migration_operations import DropKeyIndexConcurrently


class Migration(migrations.Migration):
    atomic = False  # the indexes are dropped CONCURRENTLY on PostgreSQL

    dependencies = [
        ("members", "0009_key_indexes_covered"),
        ("orglife", "0013_remove_talk_rollup_index"),
        ("orgs", "0007_key_indexes_covered"),
    ]

    operations = [
        DropKeyIndexConcurrently(
            model_name="attendance",
            name="member",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="attendances",
                to="members.member",
                verbose_name="党员",
            ),
        ),
        DropKeyIndexConcurrently(
            model_name="compliance",
            name="organization",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="orgs.organization",
                verbose_name="党组织",
            ),
        ),
        DropKeyIndexConcurrently(
            model_name="meeting",
            name="organization",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="meetings",
                to="orgs.organization",
                verbose_name="党组织",
            ),
        ),
        DropKeyIndexConcurrently(
            model_name="notice",
            name="member",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="members.member",
                verbose_name="党员",
            ),
        ),
        DropKeyIndexConcurrently(
            model_name="notice",
            name="organization",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="orgs.organization",
                verbose_name="党组织（给书记）",
            ),
        ),
    ]
