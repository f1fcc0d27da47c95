"""Whether a heart-to-heart talk counts for its branch's compliance (its member active and
still in the branch it was recorded in), so that the rollup counts talks without reading their
members. Existing talks are marked from the member rows, as orglife.talks.recount does."""

from django.db import migrations, models

ACTIVE = ("FULL", "PROBATIONARY")  # orglife.compliance.ACTIVE_STATUSES when this was written


def mark(apps, schema_editor):
    connection = schema_editor.connection
    quote = connection.ops.quote_name
    talks = quote(apps.get_model("orglife", "HeartToHeartTalk")._meta.db_table)
    members = quote(apps.get_model("members", "Member")._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {talks} SET counted = FALSE WHERE NOT EXISTS (SELECT 1 FROM {members} m "  # noqa: S608
            f"WHERE m.id = {talks}.member_id AND m.organization_id = {talks}.organization_id "
            "AND m.status IN (%s, %s))",
            ACTIVE,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0008_id_number_column_not_unique"),
        ("orglife", "0010_partition_attendance"),
    ]

    operations = [
        migrations.AddField(
            model_name="hearttohearttalk",
            name="counted",
            field=models.BooleanField(default=True, verbose_name="计入合规"),
        ),
        migrations.RunPython(mark, migrations.RunPython.noop, elidable=False),
    ]
