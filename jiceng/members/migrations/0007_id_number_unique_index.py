# One member per ID number, from the column's UNIQUE to a unique index of its own
# (members.models.Member.Meta.constraints says why). The index is built first, CONCURRENTLY on
# PostgreSQL, so that the rule holds at every moment; the column's constraint goes after, in
# 0008 (a migration outside a transaction holds one operation: docs/部署与运维手册.md, 4.2).

from django.db import migrations, models

from jiceng.core.migration_operations import AddUniqueIndexConcurrently


class Migration(migrations.Migration):
    atomic = False  # the index is built CONCURRENTLY on PostgreSQL (core.migration_operations)

    dependencies = [
        ("divisions", "0002_division_shape"),
        ("members", "0006_standing_partial_indexes"),
        ("orgs", "0004_children_index"),
    ]

    operations = [
        AddUniqueIndexConcurrently(
            model_name="member",
            constraint=models.UniqueConstraint(
                models.F("id_number_digest"),
                name="member_id_number_unique",
                violation_error_message="该身份证号已登记为党员",
            ),
        ),
    ]
