"""The demo seed: a few projects per street, rounds frozen with their answers and some open;
a second run adds nothing."""

from __future__ import annotations

import pytest

from jiceng.consent.demo import load_demo_consent
from jiceng.consent.models import ConsentAnswer, ConsentProject, ConsentRound
from jiceng.divisions.models import Division

pytestmark = pytest.mark.usefixtures("frozen")


def test_the_demo_seeds_projects_per_street_once(grid_divisions: dict[str, Division]) -> None:
    made = load_demo_consent("320113", seed=7)
    assert made == ConsentProject.objects.count() > 0
    assert ConsentRound.objects.filter(frozen_at__isnull=False).exists()
    for round_ in ConsentRound.objects.filter(frozen_at__isnull=False):
        assert round_.result["participating_owners"] == round_.answers.count()
    assert ConsentAnswer.objects.filter(objects_light=True).exists() or made < 3
    assert load_demo_consent("320113", seed=7) == 0
