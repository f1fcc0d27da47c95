"""`make demo` and production collect the static files with the manifest storage, which fails
on any file one of them refers to that is missing (a source map, a font): collect them here."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

MANIFEST = "whitenoise.storage.CompressedManifestStaticFilesStorage"


def test_collectstatic_with_the_production_storage(tmp_path: Path) -> None:
    storages = {**settings.STORAGES, "staticfiles": {"BACKEND": MANIFEST}}
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=storages):
        call_command("collectstatic", interactive=False, verbosity=0)
    assert (tmp_path / "staticfiles.json").exists()
    assert list((tmp_path / "vendor" / "leaflet").glob("leaflet.*.js"))
    assert list((tmp_path / "vendor").glob("echarts.min.*.js"))
