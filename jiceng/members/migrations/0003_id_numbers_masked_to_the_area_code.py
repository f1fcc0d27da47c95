"""Stored masked ID numbers follow core.masking's policy: the area code alone.

The old mask (320113********1234) kept the sequence and the check character; the new one is
its first six characters and twelve asterisks, so it is made from the stored mask in one
UPDATE, without unsealing anything. Irreversible by design: the old mask showed too much.
"""

from django.db import migrations

REMASK = """
UPDATE members_member
SET id_number_masked = SUBSTR(id_number_masked, 1, 6) || '************'
WHERE LENGTH(id_number_masked) = 18 AND SUBSTR(id_number_masked, 7) <> '************'
"""


class Migration(migrations.Migration):
    dependencies = [("members", "0002_initial")]

    operations = [migrations.RunSQL(REMASK, reverse_sql=migrations.RunSQL.noop)]
