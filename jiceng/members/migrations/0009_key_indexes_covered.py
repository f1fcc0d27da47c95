"""A member event's own index on the member, which (member, on) serves
(core.migration_operations.DropKeyIndexConcurrently). The member's own index on the organization
stays: PostgreSQL probes it for a subtree's members."""

import django.db.models.deletion
from django.db import migrations, models

from jiceng.core.migration_operations import DropKeyIndexConcurrently


class Migration(migrations.Migration):
    atomic = False  # the index is dropped CONCURRENTLY on PostgreSQL

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
