"""Foreign keys' own indexes where another index begins with the key's column and serves
its lookups (core.migration_operations.DropKeyIndexConcurrently), and the organizations' second
index on the division, the same as its key's."""

import django.db.models.deletion
from django.db import migrations, models

from jiceng.core.migration_operations import DropKeyIndexConcurrently, RemoveIndexConcurrently


class Migration(migrations.Migration):
    atomic = False  # the indexes are dropped CONCURRENTLY on PostgreSQL

    dependencies = [
        ("orgs", "0006_committee_current_due"),
    ]

    operations = [
        RemoveIndexConcurrently(
            model_name="organization",
            name="orgs_organi_divisio_531ed2_idx",
        ),
        DropKeyIndexConcurrently(
            model_name="committeeseat",
            name="committee",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="seats",
                to="orgs.committee",
                verbose_name="委员会",
            ),
        ),
        DropKeyIndexConcurrently(
            model_name="partygroup",
            name="organization",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="party_groups",
                to="orgs.organization",
                verbose_name="党组织",
            ),
        ),
    ]
