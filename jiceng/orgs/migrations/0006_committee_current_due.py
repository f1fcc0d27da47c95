from django.db import migrations, models

from jiceng.core.migration_operations import AddIndexConcurrently


class Migration(migrations.Migration):
    atomic = False  # the index is built CONCURRENTLY on PostgreSQL (core.migration_operations)

    dependencies = [("orgs", "0005_committee_path")]

    operations = [
        AddIndexConcurrently(
            model_name="committee",
            index=models.Index(
                condition=models.Q(("ended_on__isnull", True)),
                fields=["term_due", "path"],
                name="committee_current_due",
            ),
        ),
    ]
