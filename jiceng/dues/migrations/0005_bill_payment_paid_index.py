# The partial index on paid bills, apart from 0004 so that it is built CONCURRENTLY on
# PostgreSQL (core.migration_operations): the bills are the largest table of dues.

from django.db import migrations, models

from jiceng.core.migration_operations import AddIndexConcurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("dues", "0004_bill_payment_partial_index"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="bill",
            index=models.Index(
                condition=models.Q(("payment__isnull", False)),
                fields=["payment"],
                name="dues_bill_payment",
            ),
        ),
    ]
