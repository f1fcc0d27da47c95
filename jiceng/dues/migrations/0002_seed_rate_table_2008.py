"""The national rate table of 2008 (中组部《关于中国共产党党费收缴、使用和管理的规定》), in
force until a later year's rows are added. Written out here, not imported from dues.rates, so
the migration stays what it was when the code moves on."""

from django.db import migrations

# (category, up_to fen, permyriad, fixed fen, fixed_min, fixed_max)
ROWS_2008 = [
    ("EMPLOYED", 300_000, 50, None, None, None),
    ("EMPLOYED", 500_000, 100, None, None, None),
    ("EMPLOYED", 1_000_000, 150, None, None, None),
    ("EMPLOYED", None, 200, None, None, None),
    ("RETIRED", 500_000, 50, None, None, None),
    ("RETIRED", None, 100, None, None, None),
    ("FARMER", None, 0, 50, 20, 100),
    ("STUDENT", None, 0, 20, None, None),
    ("UNEMPLOYED", None, 0, 20, None, None),
    ("SUBSISTENCE", None, 0, 20, None, None),
]


def seed(apps, schema_editor):  # type: ignore[no-untyped-def]
    Rate = apps.get_model("dues", "Rate")
    Rate.objects.bulk_create(
        Rate(
            year=2008,
            category=category,
            up_to=up_to,
            permyriad=permyriad,
            fixed=fixed,
            fixed_min=fixed_min,
            fixed_max=fixed_max,
        )
        for category, up_to, permyriad, fixed, fixed_min, fixed_max in ROWS_2008
    )


def unseed(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("dues", "Rate").objects.filter(year=2008).delete()


class Migration(migrations.Migration):
    dependencies = [("dues", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
