"""Fewer indexes on cases, each written by every intake (bench_intake): a foreign key loses its
own index where a composite index leads with its column; the station, department, entered-by,
merged-into and actor indexes and the one-case-per-finding constraint become partial (most rows
have no value there). On SQLite each AlterField rebuilds the table."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0005_caseevent_actor_protected"),
        ("divisions", "0001_initial"),
        ("grid", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="case",
            name="case_one_per_finding",
        ),
        migrations.RemoveIndex(
            model_name="case",
            name="case_station_status",
        ),
        migrations.RemoveIndex(
            model_name="case",
            name="case_department_status",
        ),
        migrations.AlterField(
            model_name="case",
            name="case_type",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="cases.casetype",
                verbose_name="诉求类型",
            ),
        ),
        migrations.AlterField(
            model_name="case",
            name="community",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="divisions.division",
                verbose_name="社区（村）",
            ),
        ),
        migrations.AlterField(
            model_name="case",
            name="department",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="cases",
                to="cases.department",
                verbose_name="承办部门",
            ),
        ),
        migrations.AlterField(
            model_name="case",
            name="entered_by",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="录入人",
            ),
        ),
        migrations.AlterField(
            model_name="case",
            name="finding",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="grid.patrolfinding",
                verbose_name="巡查发现",
            ),
        ),
        migrations.AlterField(
            model_name="case",
            name="grid",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="grid.grid",
                verbose_name="网格",
            ),
        ),
        migrations.AlterField(
            model_name="case",
            name="merged_into",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="merged_cases",
                to="cases.case",
                verbose_name="合并至",
            ),
        ),
        migrations.AlterField(
            model_name="case",
            name="station",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="cases",
                to="cases.station",
                verbose_name="承办站所",
            ),
        ),
        migrations.AlterField(
            model_name="case",
            name="street",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="divisions.division",
                verbose_name="街道（乡镇）",
            ),
        ),
        migrations.AlterField(
            model_name="case",
            name="subject",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="cases.subject",
                verbose_name="诉求事项",
            ),
        ),
        migrations.AlterField(
            model_name="caseevent",
            name="actor",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="操作人",
            ),
        ),
        migrations.AlterField(
            model_name="caseevent",
            name="case",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="events",
                to="cases.case",
                verbose_name="诉求",
            ),
        ),
        migrations.AlterField(
            model_name="notice",
            name="user",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="case_notices",
                to=settings.AUTH_USER_MODEL,
                verbose_name="接收人",
            ),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=models.Q(("station__isnull", False)),
                fields=["station", "status"],
                name="case_station_status",
            ),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=models.Q(("department__isnull", False)),
                fields=["department", "status"],
                name="case_department_status",
            ),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=models.Q(("entered_by__isnull", False)),
                fields=["entered_by"],
                name="case_entered_by",
            ),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=models.Q(("merged_into__isnull", False)),
                fields=["merged_into"],
                name="case_merged_into",
            ),
        ),
        migrations.AddIndex(
            model_name="caseevent",
            index=models.Index(
                condition=models.Q(("actor__isnull", False)),
                fields=["actor"],
                name="case_event_actor",
            ),
        ),
        migrations.AddConstraint(
            model_name="case",
            constraint=models.UniqueConstraint(
                condition=models.Q(("finding__isnull", False)),
                fields=("finding",),
                name="case_one_per_finding",
            ),
        ),
    ]
