"""The talks' former rollup index, of every talk: the rollup reads orglife_talk_counted now."""

from django.db import migrations

from jiceng.core.migration_operations import RemoveIndexConcurrently


class Migration(migrations.Migration):
    atomic = False  # the index is dropped CONCURRENTLY on PostgreSQL (core.migration_operations)

    dependencies = [("orglife", "0012_talk_counted_index")]

    operations = [
        RemoveIndexConcurrently(model_name="hearttohearttalk", name="orglife_talk_rollup"),
    ]
