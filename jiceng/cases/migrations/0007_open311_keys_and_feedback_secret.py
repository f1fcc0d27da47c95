"""Open311 as GeoReport v2 says: API keys the system administrator issues (only their SHA-256
kept), the reporter's own secret for rating (feedback_digest, beside the token that reads the
progress), the catalogue's time of change (discovery's changeset), and descriptions of up to
4,000 characters.

Cases received before this have no feedback secret: they are followed up by phone. The
description's new length is a change of the model's state only: a TextField has no length in
the database, and SQLite would otherwise copy the whole table of cases to alter nothing.
Adding feedback_digest (NOT NULL, empty) copies it once on SQLite; on PostgreSQL it is a
change of the catalogue only."""

import django.core.validators
from django.db import migrations, models

import jiceng.core.clock


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0006_fewer_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="Open311Key",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=50, unique=True, verbose_name="名称")),
                (
                    "digest",
                    models.CharField(
                        editable=False, max_length=64, unique=True, verbose_name="密钥摘要"
                    ),
                ),
                (
                    "prefix",
                    models.CharField(editable=False, max_length=8, verbose_name="密钥开头"),
                ),
                (
                    "rate",
                    models.CharField(
                        default="10/s",
                        help_text="该密钥最多提交的诉求数：每秒（s）、分（m）、时（h）或天（d），如 10/s",
                        max_length=20,
                        validators=[
                            django.core.validators.RegexValidator(
                                "^[1-9][0-9]*/([1-9][0-9]*)?[smhd]$", "如 10/s、600/m 或 5/10m"
                            )
                        ],
                        verbose_name="限流",
                    ),
                ),
                ("is_revoked", models.BooleanField(default=False, verbose_name="已吊销")),
                (
                    "created_at",
                    models.DateTimeField(
                        default=jiceng.core.clock.now, editable=False, verbose_name="发放时间"
                    ),
                ),
                (
                    "revoked_at",
                    models.DateTimeField(
                        blank=True, editable=False, null=True, verbose_name="吊销时间"
                    ),
                ),
            ],
            options={
                "verbose_name": "Open311 API 密钥",
                "verbose_name_plural": "Open311 API 密钥",
                "ordering": ["name"],
            },
        ),
        migrations.AddField(
            model_name="case",
            name="feedback_digest",
            field=models.CharField(blank=True, max_length=64, verbose_name="评价码摘要"),
        ),
        migrations.AddField(
            model_name="casetype",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, verbose_name="修改时间"),
        ),
        migrations.AddField(
            model_name="subject",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, verbose_name="修改时间"),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="case",
                    name="description",
                    field=models.TextField(blank=True, max_length=4000, verbose_name="诉求内容"),
                ),
            ],
            database_operations=[],
        ),
    ]
