"""Each test writes and reads the audit chain's checkpoints in a folder of its own, never in
var/audit-checkpoints of the developer's installation: a checkpoint names records of the
database as the test left it, which the next test's rolled-back database does not have."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import override_settings

_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def _checkpoint_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("audit-checkpoints")


@pytest.fixture(autouse=True)
def audit_checkpoint_dir(_checkpoint_root: Path) -> Iterator[Path]:
    """The folder (made only when a checkpoint is written) of this test's checkpoints."""
    folder = _checkpoint_root / str(next(_numbers))
    with override_settings(JICENG_AUDIT_CHECKPOINT_DIR=str(folder)):
        yield folder
