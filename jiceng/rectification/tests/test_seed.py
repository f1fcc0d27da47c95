"""The seed: detections by the rules and rectifications in every state; run again, nothing
more."""

from __future__ import annotations

import datetime as dt

import pytest

from jiceng.accounts.models import User
from jiceng.datasets.rectification import seed_rectification
from jiceng.rectification.models import Detection, Progress, Rectification, Status
from jiceng.testing.personas import Tree, add

from .conftest import committee

pytestmark = pytest.mark.usefixtures("frozen")


def test_the_seed_fills_every_state_and_is_idempotent(tree: Tree, street_official: User) -> None:
    for i in range(100):
        branch = add(tree.community, name=f"第{i}支部", kind="BRANCH", sector="COMMUNITY")
        committee(branch, start=dt.date(2025, 1, 1))  # secretary vacant: all detected
    first = seed_rectification(as_of=dt.date(2026, 6, 10), seed=3)
    assert first.detected >= 100
    states = set(Rectification.objects.values_list("status", flat=True))
    assert states == {Status.CONFIRMED, Status.RECTIFYING, Status.ACCEPTED} or (
        first.accepted == 0 and states == {Status.CONFIRMED, Status.RECTIFYING}
    )
    # about one in eight of the detected is taken on (CONFIRMED_SHARE)
    assert 4 <= Rectification.objects.exclude(status=Status.ACCEPTED).count() <= 24
    assert Progress.objects.exists()
    assert Rectification.objects.filter(
        status=Status.RECTIFYING, responsible_leader=street_official
    ).exists()  # the street's department account leads those under it
    counts = (Rectification.objects.count(), Progress.objects.count(), Detection.objects.count())
    seed_rectification(as_of=dt.date(2026, 6, 10), seed=3)
    assert (
        Rectification.objects.count(),
        Progress.objects.count(),
        Detection.objects.count(),
    ) == counts
