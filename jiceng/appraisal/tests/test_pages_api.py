"""The appraisal pages and API through Django's test client: the branch assesses with its
evidence, the department reviews, grades and names; refusals beside their fields; who opens
what; the seed."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from jiceng.accounts.models import Role, User
from jiceng.appraisal import rules, scoring, services
from jiceng.appraisal.models import (
    ModelOrganization,
    Nomination,
    Review,
    SelfAssessment,
    Source,
    StandardizationChecklist,
)
from jiceng.core import clock
from jiceng.datasets.appraisal import seed_appraisal
from jiceng.testing.orglife_personas import PNG_BYTES
from jiceng.testing.personas import Tree, user_with
from jiceng.web import workbench

from .helpers import TODAY, YEAR, comply, seat_committee

pytestmark = pytest.mark.usefixtures("media_root")


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with clock.frozen(TODAY.replace(tzinfo=clock.CHINA)):
        yield


def client_of(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def graded(tree: Tree) -> None:
    comply(tree.branch)
    seat_committee(tree.branch)
    comply(tree.sibling, good=6)
    scoring.compute_year(root=tree.district, year=YEAR)


def test_the_branch_assesses_with_evidence_and_the_street_reviews(
    tree: Tree, secretary: User, street_official: User, graded: None
) -> None:
    page = client_of(secretary).get(f"/appraisal/org/{tree.branch.pk}/?year={YEAR}")
    text = page.content.decode()
    assert page.status_code == 200 and "75</strong>分" in text and "平台记录自动评分" in text
    assert "填写自评" in text and 'name="reviewed_points"' not in text
    version = scoring.Versions(YEAR).for_path(tree.branch.path)
    place = version.items.get(order=7)
    url = f"/appraisal/org/{tree.branch.pk}/?year={YEAR}"
    refused = client_of(secretary).post(
        url,
        {
            "action": "assess",
            "item": place.pk,
            "self_points": "10",
            "evidence": SimpleUploadedFile("a.jpg", b"MZ\x90\x00 not an image", "image/jpeg"),
        },
    )
    assert refused.status_code == 400 and "不是文档或图片" in refused.content.decode()
    assert not SelfAssessment.objects.exists()
    done = client_of(secretary).post(
        url,
        {
            "action": "assess",
            "item": place.pk,
            "self_points": "10",
            "note": "党员活动室已改造",
            "evidence": SimpleUploadedFile("活动室.png", PNG_BYTES, "image/png"),
        },
    )
    assert done.status_code == 302
    assessment = SelfAssessment.objects.get()
    shown = client_of(street_official).get(url).content.decode()
    assert "待审核" in shown and 'name="reviewed_points"' in shown and "填写自评" not in shown
    photo = client_of(street_official).get(f"/appraisal/evidence/{assessment.pk}/")
    assert photo.status_code == 200 and photo["Content-Type"] == "image/png"
    assert b"".join(photo.streaming_content) == PNG_BYTES  # type: ignore[attr-defined]
    client_of(street_official).post(
        url,
        {"action": "review", "assessment": assessment.pk, "reviewed_points": "8"},
    )
    assessment.refresh_from_db()
    assert assessment.status == Review.ACCEPTED and assessment.reviewed_points == 8
    assert StandardizationChecklist.objects.get(organization=tree.branch).score == 83


def test_the_grades_page_shows_the_distribution_and_the_organizations_by_score(
    tree: Tree, street_official: User, graded: None
) -> None:
    page = client_of(street_official).get(f"/appraisal/?year={YEAR}")
    text = page.content.decode()
    assert page.status_code == 200 and "星级分布（2个党支部）" in text
    assert text.index("文苑社区第一党支部") < text.index("文苑社区第二党支部")
    assert "尧化社区党支部" not in text  # another street's branch
    # a secretary lands on the branch's own checklist
    assert client_of(user_with("s2", Role.BRANCH_SECRETARY, organization=tree.sibling)).get(
        f"/appraisal/?year={YEAR}"
    )["Location"] == (f"/appraisal/org/{tree.sibling.pk}/?year={YEAR}")


def test_outside_the_scope_the_checklist_and_evidence_are_not_found(
    tree: Tree, secretary: User, sibling_secretary: User, graded: None
) -> None:
    version = scoring.Versions(YEAR).for_path(tree.branch.path)
    assessment = services.assess_item(
        organization=tree.branch, item=version.items.get(order=8), self_points=10, by=secretary
    )
    other = client_of(sibling_secretary)
    assert other.get(f"/appraisal/org/{tree.branch.pk}/?year={YEAR}").status_code == 404
    assert other.get(f"/appraisal/evidence/{assessment.pk}/").status_code == 404
    assert other.get(f"/api/v1/appraisal/checklists/{tree.branch.pk}").status_code == 404
    # the sibling's secretary may not review its neighbour either
    refused = other.post(
        f"/api/v1/appraisal/assessments/{assessment.pk}/review",
        json.dumps({"reviewed_points": 15}),
        content_type="application/json",
    )
    assert refused.status_code == 404
    assert SelfAssessment.objects.get().status == Review.PENDING


def test_the_api_assesses_reviews_and_grades(
    tree: Tree, secretary: User, street_official: User, graded: None
) -> None:
    version = scoring.Versions(YEAR).for_path(tree.branch.path)
    role = version.items.get(order=8)
    api = client_of(secretary)
    base = f"/api/v1/appraisal/checklists/{tree.branch.pk}"
    made = api.post(
        f"{base}/items/{role.pk}/assessment?year={YEAR}",
        json.dumps({"self_points": 15, "note": "牵头加装电梯"}),
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    body = made.json()
    line = next(i for i in body["items"] if i["id"] == role.pk)
    assert line["review"] == "PENDING" and line["points"] == 0 and body["awaiting_review"] == 1
    too_many = api.post(
        f"{base}/items/{role.pk}/assessment",
        json.dumps({"self_points": 16}),
        content_type="application/json",
    )
    assert too_many.status_code == 400 and "self_points" in too_many.json()["fields"]
    reviewed = client_of(street_official).post(
        f"/api/v1/appraisal/assessments/{line['assessment_id']}/review",
        json.dumps({"reviewed_points": 14}),
        content_type="application/json",
    )
    assert reviewed.status_code == 200 and reviewed.json()["score"] == 89
    grades = client_of(street_official).get(
        f"/api/v1/appraisal/grades/{tree.xianlin.pk}?year={YEAR}"
    )
    assert grades.status_code == 200
    found = grades.json()
    assert [g["organization_id"] for g in found["items"]] == [tree.branch.pk, tree.sibling.pk]
    assert sum(found["distribution"].values()) == 2
    # a secretary is not the department: it cannot recompute the subtree
    refused = api.post(
        "/api/v1/appraisal/computations",
        json.dumps({"organization_id": tree.branch.pk, "year": YEAR}),
        content_type="application/json",
    )
    assert refused.status_code == 403


def test_a_five_star_branch_is_nominated_and_named_and_shown_on_its_page(
    tree: Tree, street_official: User, district_department: User
) -> None:
    services.adopt_version(
        organization=tree.district,
        year=YEAR,
        name="栖霞区评分表",
        items=[rules.ItemSpec("三会一课", 100, Source.MEETINGS)],
        five_star_cap_percent=100,
        by=district_department,
    )
    comply(tree.branch)
    comply(tree.sibling, good=10)
    scoring.compute_year(root=tree.district, year=YEAR)
    page = client_of(street_official).get(f"/appraisal/models/?year={YEAR}").content.decode()
    assert "文苑社区第一党支部" in page and "文苑社区第二党支部" not in page  # 83: four stars
    api = client_of(street_official)
    low = api.post(
        "/api/v1/appraisal/model-organizations",
        json.dumps({"organization_id": tree.sibling.pk, "year": YEAR, "reason": "好"}),
        content_type="application/json",
    )
    assert low.status_code == 400 and "五星级" in low.json()["detail"]
    api.post(
        f"/appraisal/models/org/{tree.branch.pk}/nominate/?year={YEAR}",
        {"reason": "组织生活全年达标"},
    )
    nomination = ModelOrganization.objects.get()
    assert nomination.status == Nomination.NOMINATED
    # whoever nominated does not name
    own = api.post(
        f"/api/v1/appraisal/model-organizations/{nomination.pk}/decision",
        json.dumps({"named": True, "citation": "标杆"}),
        content_type="application/json",
    )
    assert own.status_code == 400
    no_citation = client_of(district_department).post(
        f"/api/v1/appraisal/model-organizations/{nomination.pk}/decision",
        json.dumps({"named": True}),
        content_type="application/json",
    )
    assert no_citation.status_code == 400 and "citation" in no_citation.json()["fields"]
    client_of(district_department).post(
        f"/appraisal/models/{nomination.pk}/decide/",
        {"action": "name", "citation": "组织生活规范，服务群众有力"},
    )
    nomination.refresh_from_db()
    assert nomination.status == Nomination.NAMED
    detail = client_of(street_official).get(f"/orgs/{tree.branch.pk}/").content.decode()
    assert f"{YEAR}年度模范党组织" in detail and "组织生活规范，服务群众有力" in detail


def test_the_workbench_shows_the_branch_its_items_and_the_street_its_reviews(
    tree: Tree, secretary: User, street_official: User, graded: None
) -> None:
    with clock.frozen(clock.now().replace(year=YEAR, month=12, day=20)):
        scoring.compute_year(root=tree.branch, year=YEAR)
        mine = {s.panel.key: s for s in workbench.panels_for(secretary)}
        assert "appraisal.branch" in mine
        items = [i.label for i in mine["appraisal.branch"].content.items]
        assert "阵地建设：活动场所、标识、制度上墙" in items
        version = scoring.Versions(YEAR).for_path(tree.branch.path)
        services.assess_item(
            organization=tree.branch, item=version.items.get(order=8), self_points=9, by=secretary
        )
        theirs = {s.panel.key: s for s in workbench.panels_for(street_official)}
        assert [f.value for f in theirs["appraisal.department"].content.figures] == ["1"]
        assert "appraisal.department" not in {s.panel.key for s in workbench.panels_for(secretary)}


def test_the_seed_fills_a_year_and_a_second_run_adds_nothing(tree: Tree) -> None:
    for branch in (tree.branch, tree.sibling, tree.yaohua_branch):
        comply(branch, year=2026, months=1)
        seat_committee(branch)
    first = seed_appraisal(as_of=clock.today(), seed=3)
    assert first.graded == 3
    assert StandardizationChecklist.objects.filter(year=2026).count() == 3
    rows = SelfAssessment.objects.count()
    assert rows == first.assessments and rows > 0
    scores = dict(StandardizationChecklist.objects.values_list("organization_id", "score"))
    again = seed_appraisal(as_of=clock.today(), seed=3)
    assert again.assessments == 0 and SelfAssessment.objects.count() == rows
    assert dict(StandardizationChecklist.objects.values_list("organization_id", "score")) == scores
