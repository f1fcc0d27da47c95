"""The talks' rollup index in (year, organization, member, talked_on) order: the compliance rollup
reads it grouped by organization and checks each member, so in this order it needs no sort
and reads the members in the order of their ids (bench/bench_orglife.py: the talks part of a
month's rollup from 15.6 s to 1.6 s at scale 0.05)."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0002_initial"),
        ("orglife", "0006_group_meetings_per_party_group"),
        ("orgs", "0002_path_collation_c"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="hearttohearttalk",
            name="orglife_talk_rollup",
        ),
        migrations.AddIndex(
            model_name="hearttohearttalk",
            index=models.Index(
                fields=["year", "organization", "member", "talked_on"], name="orglife_talk_rollup"
            ),
        ),
    ]
