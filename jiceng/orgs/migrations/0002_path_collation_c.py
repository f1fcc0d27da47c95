"""On PostgreSQL the path column compares byte by byte (COLLATE "C").

Under a language collation '0' < 'A' may not hold and LIKE 'prefix%' cannot use the btree
index; subtree queries are range scans on the path and need the C order. SQLite already
compares text as bytes (BINARY).
"""

from django.db import migrations


def to_c_collation(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            'ALTER TABLE orgs_organization ALTER COLUMN path TYPE varchar(255) COLLATE "C"'
        )


class Migration(migrations.Migration):
    dependencies = [("orgs", "0001_initial")]

    operations = [migrations.RunPython(to_c_collation, migrations.RunPython.noop)]
