"""The audit chain becomes keyed (HMAC-SM3 under JICENG_AUDIT_KEY, core/audit_chain.py), and the
database keeps fingerprints of the keys it was written with (core/keys.py).

Records written before this migration keep their plain SM3 hashes: rewriting them would launder
whatever was done to them, and costs a pass over the whole log. Instead the head notes the last
of them and signs it with the key (plain_seal); `audit verify` accepts a plain hash only up to
that record. Run `jiceng audit verify` before migrating: the seal vouches for the run as it is.

The fingerprints are written by the post_migrate handler of the core app (keys.py), after every
`migrate`, for keys not yet recorded.
"""

from django.db import migrations, models

import jiceng.core.clock
from jiceng.core import audit_chain


def seal_plain_records(apps, schema_editor):
    head = apps.get_model("core", "AuditHead").objects.filter(pk=1, last_id__isnull=False).first()
    if head is None:
        return
    head.plain_last_id = head.last_id
    head.plain_seal = audit_chain.plain_seal(head.last_id, head.last_hash)
    head.save(update_fields=["plain_last_id", "plain_seal"])


class Migration(migrations.Migration):
    dependencies = [("core", "0003_fewer_indexes")]

    operations = [
        migrations.CreateModel(
            name="KeyFingerprint",
            fields=[
                ("name", models.CharField(max_length=20, primary_key=True, serialize=False)),
                ("fingerprint", models.CharField(max_length=64)),
                ("recorded_at", models.DateTimeField(default=jiceng.core.clock.now)),
            ],
            options={
                "verbose_name": "密钥指纹",
                "verbose_name_plural": "密钥指纹",
            },
        ),
        migrations.AddField(
            model_name="audithead",
            name="plain_last_id",
            field=models.BigIntegerField(null=True),
        ),
        migrations.AddField(
            model_name="audithead",
            name="plain_seal",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.RunPython(seal_plain_records, migrations.RunPython.noop),
    ]
