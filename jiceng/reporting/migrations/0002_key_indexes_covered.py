"""Foreign keys' own indexes where another index begins with the key's column and serves
its lookups (core.migration_operations.DropKeyIndexConcurrently)."""

import django.db.models.deletion
from django.db import migrations, models

from jiceng.core.migration_operations import DropKeyIndexConcurrently


class Migration(migrations.Migration):
    atomic = False  # the indexes are dropped CONCURRENTLY on PostgreSQL

    dependencies = [
        ("divisions", "0002_division_shape"),
        ("members", "0009_key_indexes_covered"),
        ("orgs", "0007_key_indexes_covered"),
        ("reporting", "0001_initial"),
    ]

    operations = [
        DropKeyIndexConcurrently(
            model_name="feedback",
            name="organization",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="orgs.organization",
                verbose_name="所在党组织",
            ),
        ),
        DropKeyIndexConcurrently(
            model_name="feedback",
            name="report",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="feedback",
                to="reporting.communityreport",
                verbose_name="报到",
            ),
        ),
        DropKeyIndexConcurrently(
            model_name="servicerecord",
            name="community",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="divisions.division",
                verbose_name="社区",
            ),
        ),
        DropKeyIndexConcurrently(
            model_name="servicerecord",
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
            model_name="servicerecord",
            name="signup",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="records",
                to="reporting.signup",
                verbose_name="报名",
            ),
        ),
    ]
