"""Foreign keys' own indexes where another index begins with the key's column and serves
its lookups (core.migration_operations.DropKeyIndexConcurrently)."""

import django.db.models.deletion
from django.db import migrations, models

from jiceng.core.migration_operations import DropKeyIndexConcurrently


class Migration(migrations.Migration):
    atomic = False  # the indexes are dropped CONCURRENTLY on PostgreSQL

    dependencies = [
        ("development", "0005_case_moves"),
        ("orgs", "0007_key_indexes_covered"),
    ]

    operations = [
        DropKeyIndexConcurrently(
            model_name="applicant",
            name="organization",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="applicants",
                to="orgs.organization",
                verbose_name="所在党支部",
            ),
        ),
        DropKeyIndexConcurrently(
            model_name="steprecord",
            name="applicant",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="steps",
                to="development.applicant",
                verbose_name="发展党员对象",
            ),
        ),
    ]
