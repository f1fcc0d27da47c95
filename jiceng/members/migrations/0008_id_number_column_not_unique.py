# The column's UNIQUE goes, now that 0007's unique index holds the rule (on SQLite the table is
# made again without it; on PostgreSQL the constraint is dropped, at once).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("members", "0007_id_number_unique_index")]

    operations = [
        migrations.AlterField(
            model_name="member",
            name="id_number_digest",
            field=models.BinaryField(max_length=16, verbose_name="身份证号索引"),
        ),
    ]
