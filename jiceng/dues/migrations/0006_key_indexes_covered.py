"""Foreign keys' own indexes where another index begins with the key's column and serves
its lookups (core.migration_operations.DropKeyIndexConcurrently)."""

import django.db.models.deletion
from django.db import migrations, models

from jiceng.core.migration_operations import DropKeyIndexConcurrently


class Migration(migrations.Migration):
    atomic = False  # the indexes are dropped CONCURRENTLY on PostgreSQL

    dependencies = [
        ("dues", "0005_bill_payment_paid_index"),
        ("members", "0009_key_indexes_covered"),
        ("orgs", "0007_key_indexes_covered"),
    ]

    operations = [
        DropKeyIndexConcurrently(
            model_name="duesbase",
            name="member",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="dues_bases",
                to="members.member",
                verbose_name="党员",
            ),
        ),
        DropKeyIndexConcurrently(
            model_name="payment",
            name="member",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="dues_payments",
                to="members.member",
                verbose_name="党员",
            ),
        ),
        DropKeyIndexConcurrently(
            model_name="payment",
            name="organization",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="orgs.organization",
                verbose_name="收缴党组织",
            ),
        ),
    ]
