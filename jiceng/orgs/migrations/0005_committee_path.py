"""A committee keeps its organization's path (orgs.models.Committee), filled here from the
organizations. On PostgreSQL the column compares byte by byte like the organizations' own
(COLLATE "C", migration 0002): subtree ranges end in "~". On a large database the UPDATE
rewrites every committee row once (about 4.6 million at the national scale)."""

from django.db import migrations, models


def fill(apps, schema_editor):
    connection = schema_editor.connection
    quote = connection.ops.quote_name
    committees = quote(apps.get_model("orgs", "Committee")._meta.db_table)
    organizations = quote(apps.get_model("orgs", "Organization")._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f'ALTER TABLE {committees} ALTER COLUMN path TYPE varchar(255) COLLATE "C"'
            )
        cursor.execute(
            f"UPDATE {committees} SET path = (SELECT o.path FROM {organizations} o "  # noqa: S608
            f"WHERE o.id = {committees}.organization_id)"
        )


class Migration(migrations.Migration):
    dependencies = [("orgs", "0004_children_index")]

    operations = [
        migrations.AddField(
            model_name="committee",
            name="path",
            field=models.CharField(
                default="", editable=False, max_length=255, verbose_name="党组织路径"
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=False),
    ]
