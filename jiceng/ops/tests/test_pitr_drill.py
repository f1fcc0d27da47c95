"""The point-in-time recovery drill of the deployment guide (scripts/pitr-drill.sh) runs and
restores exactly the rows written before its target time. PostgreSQL pass only: it starts
clusters of its own (on Unix sockets in its own directory, so it runs beside other tests)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from django.conf import settings

DRILL = Path(settings.BASE_DIR) / "scripts" / "pitr-drill.sh"

pytestmark = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="the PITR drill runs in the PostgreSQL pass (scripts/with-postgres.sh)",
)


def test_the_drill_restores_to_the_target_time() -> None:
    result = subprocess.run([str(DRILL)], capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "before-base=100 before-target=100, none written after the target" in result.stdout
    assert "pitr-drill: OK" in result.stdout
