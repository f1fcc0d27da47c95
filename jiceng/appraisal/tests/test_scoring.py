"""The yearly computation: items scored from the records, self-assessments counted once
reviewed, the stars and the five-star cap, the nearest checklist, idempotence."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from jiceng.accounts.models import User
from jiceng.appraisal import rules, scoring, services
from jiceng.appraisal.models import (
    ChecklistVersion,
    SelfAssessment,
    Source,
    StandardizationChecklist,
)
from jiceng.core import clock
from jiceng.core.errors import InvalidInput
from jiceng.testing.development_personas import register
from jiceng.testing.personas import Tree

from .helpers import TODAY, YEAR, comply, seat_committee, self_items


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with clock.frozen(TODAY.replace(tzinfo=clock.CHINA)):
        yield


def points_by_source(graded: StandardizationChecklist) -> dict[str, int]:
    version = graded.version
    return {item.source: graded.points[str(item.pk)] for item in version.items.all()} | {
        f"{item.source}:{item.order}": graded.points[str(item.pk)]
        for item in version.items.filter(source=Source.SELF)
    }


def test_stars_follow_the_score_bands() -> None:
    assert [rules.stars_of(s) for s in (100, 90, 89, 80, 79, 70, 69, 60, 59, 0)] == [
        5, 5, 4, 4, 3, 3, 2, 2, 1, 1,
    ]  # fmt: skip


def test_the_records_answer_their_items(tree: Tree) -> None:
    comply(tree.branch, good=9)  # 9 of 12 months met
    seat_committee(tree.branch)
    comply(tree.sibling, good=12)
    scoring.compute_year(root=tree.community, year=YEAR)
    branch = StandardizationChecklist.objects.get(organization=tree.branch, year=YEAR)
    found = points_by_source(branch)
    assert found[Source.MEETINGS] == round(25 * 9 / 12)
    assert found[Source.COMMITTEE] == 10 and found[Source.TERM] == 10
    assert found[Source.DEVELOPMENT] == 10 and found[Source.TALKS] == 10
    assert found[Source.DUES] == 10  # no dues bill owed
    assert branch.score == 19 + 50 and branch.stars == 2 and branch.awaiting_review == 0
    sibling = StandardizationChecklist.objects.get(organization=tree.sibling, year=YEAR)
    # no committee recorded: neither the committee nor the term item
    assert points_by_source(sibling)[Source.COMMITTEE] == 0
    assert points_by_source(sibling)[Source.TERM] == 0


def test_an_overdue_term_and_a_late_development_case_cost_their_points(
    tree: Tree, secretary: User
) -> None:
    seat_committee(tree.branch, term_due=dt.date(2025, 10, 1))
    register(tree.branch, by=secretary)  # applied 2023-11: the talk is long overdue
    scoring.compute_year(root=tree.branch, year=YEAR)
    found = points_by_source(StandardizationChecklist.objects.get(organization=tree.branch))
    assert found[Source.TERM] == 0 and found[Source.COMMITTEE] == 10
    assert found[Source.DEVELOPMENT] == 0


def test_a_reviewed_self_assessment_counts_and_an_unreviewed_one_does_not(
    tree: Tree, secretary: User, street_official: User, media_root: object
) -> None:
    comply(tree.branch)
    seat_committee(tree.branch)
    scoring.compute_year(root=tree.branch, year=YEAR)
    items = {i.order: i for i in self_items()}
    role = items[8]  # 发挥作用, 15 points, no evidence asked
    assessment = services.assess_item(
        organization=tree.branch, item=role, self_points=15, note="牵头加装电梯3部", by=secretary
    )
    graded = StandardizationChecklist.objects.get(organization=tree.branch)
    assert graded.score == 75 and graded.awaiting_review == 1
    services.review_item(assessment=assessment, reviewed_points=12, by=street_official)
    graded.refresh_from_db()
    assert graded.score == 87 and graded.stars == 4 and graded.awaiting_review == 0


def test_the_branch_cannot_review_itself_nor_score_a_record_item(
    tree: Tree, secretary: User
) -> None:
    scoring.compute_year(root=tree.branch, year=YEAR)
    version = ChecklistVersion.objects.get(year=YEAR)
    meetings = version.items.get(source=Source.MEETINGS)
    with pytest.raises(InvalidInput, match="自动评分"):
        services.assess_item(organization=tree.branch, item=meetings, self_points=25, by=secretary)
    role = version.items.get(order=8)
    assessment = services.assess_item(
        organization=tree.branch, item=role, self_points=15, by=secretary
    )
    from jiceng.core.errors import Forbidden

    with pytest.raises(Forbidden):
        services.review_item(assessment=assessment, reviewed_points=15, by=secretary)
    assert SelfAssessment.objects.get().reviewed_points is None


def test_evidence_is_asked_where_the_item_says_and_must_be_a_document_or_image(
    tree: Tree, secretary: User, media_root: object
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    version = scoring.ensure_national_version(YEAR)
    place = version.items.get(order=7)  # 阵地建设: evidence required
    with pytest.raises(InvalidInput, match="须上传佐证") as refused:
        services.assess_item(organization=tree.branch, item=place, self_points=10, by=secretary)
    assert "evidence" in refused.value.fields
    script = SimpleUploadedFile("照片.jpg", b"#!/bin/sh\nrm -rf /\n", "image/jpeg")
    with pytest.raises(InvalidInput, match=r"图片.*文档"):
        services.assess_item(
            organization=tree.branch, item=place, self_points=10, evidence=script, by=secretary
        )
    assert not SelfAssessment.objects.exists()  # nothing half-written
    pdf = SimpleUploadedFile("x.bin", b"%PDF-1.7\n" + b"0" * 100, "application/octet-stream")
    kept = services.assess_item(
        organization=tree.branch, item=place, self_points=10, evidence=pdf, by=secretary
    )
    assert kept.evidence_type == "application/pdf" and str(kept.evidence.name).endswith(".pdf")
    # a later submission keeps the evidence already given
    again = services.assess_item(organization=tree.branch, item=place, self_points=9, by=secretary)
    assert again.evidence.name == kept.evidence.name and again.self_points == 9


def test_the_nearest_checklist_applies(tree: Tree, street_official: User) -> None:
    items = [
        rules.ItemSpec("三会一课", 50, Source.MEETINGS),
        rules.ItemSpec("班子", 50, Source.COMMITTEE),
    ]
    own = services.adopt_version(
        organization=tree.xianlin,
        year=YEAR,
        name="仙林街道评分表",
        items=items,
        five_star_cap_percent=50,
        by=street_official,
    )
    comply(tree.branch)
    comply(tree.yaohua_branch)
    scoring.compute_year(root=tree.district, year=YEAR)
    assert StandardizationChecklist.objects.get(organization=tree.branch).version == own
    assert StandardizationChecklist.objects.get(organization=tree.branch).score == 50
    national = StandardizationChecklist.objects.get(organization=tree.yaohua_branch)
    assert national.version.organization is None and national.score == 55


def test_a_checklist_whose_weights_do_not_add_up_is_refused(
    tree: Tree, street_official: User, secretary: User
) -> None:
    with pytest.raises(InvalidInput, match="合计应为100分"):
        services.adopt_version(
            organization=tree.xianlin,
            year=YEAR,
            name="仙林",
            items=[rules.ItemSpec("三会一课", 60, Source.MEETINGS)],
            five_star_cap_percent=20,
            by=street_official,
        )
    with pytest.raises(InvalidInput, match="组织部门"):
        services.adopt_version(
            organization=tree.branch,
            year=YEAR,
            name="自定",
            items=[rules.ItemSpec("三会一课", 100, Source.MEETINGS)],
            five_star_cap_percent=100,
            by=secretary,
        )
    assert not ChecklistVersion.objects.filter(organization__isnull=False).exists()


def test_the_five_star_cap_holds_and_a_second_run_changes_nothing(
    tree: Tree, street_official: User
) -> None:
    services.adopt_version(
        organization=tree.xianlin,
        year=YEAR,
        name="仙林",
        items=[rules.ItemSpec("三会一课", 100, Source.MEETINGS)],
        five_star_cap_percent=50,
        by=street_official,
    )
    comply(tree.branch, good=12)
    comply(tree.sibling, good=11)  # 92: five stars by score, four under the cap
    first = scoring.compute_year(root=tree.xianlin, year=YEAR)
    rows = {r.organization_id: (r.score, r.stars) for r in StandardizationChecklist.objects.all()}
    assert rows == {tree.branch.pk: (100, 5), tree.sibling.pk: (92, 4)}
    assert first.organizations == 2 and first.five_star == 1
    # a branch computed alone does not escape the cap
    scoring.compute_one(tree.sibling, YEAR)
    second = scoring.compute_year(root=tree.xianlin, year=YEAR)
    again = {r.organization_id: (r.score, r.stars) for r in StandardizationChecklist.objects.all()}
    assert again == rows and second.five_star == 1
    assert StandardizationChecklist.objects.count() == 2


def test_unpaid_dues_bills_cost_the_dues_item_its_share(tree: Tree) -> None:
    from jiceng.dues.models import Bill
    from jiceng.testing.personas import add_member

    member = add_member(tree.branch, name="周敏")
    Bill.objects.bulk_create(
        Bill(member=member, organization=tree.branch, month=YEAR * 100 + m, amount=2000)
        for m in range(1, 13)
    )
    scoring.compute_year(root=tree.branch, year=YEAR)
    graded = StandardizationChecklist.objects.get(organization=tree.branch)
    assert points_by_source(graded)[Source.DUES] == 0  # nothing paid
