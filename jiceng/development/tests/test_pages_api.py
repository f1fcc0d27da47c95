"""The development pages and API through Django's test client: who opens what, a step
recorded from the form, refusals beside their fields, the printable forms."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

import pytest
from django.test import Client

from jiceng.accounts.models import User
from jiceng.core import clock
from jiceng.development import services
from jiceng.development.models import Applicant, Step
from jiceng.members.models import Member
from jiceng.testing.development_personas import applicant_fields, register, walk
from jiceng.testing.personas import Tree, add_member
from jiceng.web import workbench

TODAY = dt.datetime(2026, 6, 1, 10, tzinfo=clock.CHINA)


@pytest.fixture(autouse=True)
def frozen_today() -> Iterator[None]:
    with clock.frozen(TODAY):
        yield


def client_of(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def people(tree: Tree) -> list[Member]:
    return [add_member(tree.branch, name=n) for n in ("周敏", "吴刚")]


def test_the_secretary_registers_an_applicant_and_records_the_talk(
    tree: Tree, secretary: User
) -> None:
    client = client_of(secretary)
    page = client.get("/development/")
    assert page.status_code == 200 and "登记入党申请人" in page.content.decode()
    raw = {k: str(v) for k, v in applicant_fields(name="赵青").items()}
    done = client.post(f"/development/new/?org={tree.branch.pk}", {**raw, "org": tree.branch.pk})
    applicant = Applicant.objects.get(name="赵青")
    assert done.status_code == 302 and done["Location"] == f"/development/{applicant.pk}/"
    shown = client.get(f"/development/{applicant.pk}/").content.decode()
    assert "下一步：党组织派人谈话" in shown and "320113************" in shown
    assert "已超期" in shown  # applied 2023-11-01: the talk was due a month later
    talk = client.post(
        f"/development/{applicant.pk}/",
        {"step": "TALK", "done_on": "2023-11-20", "decision": "支部书记李秀英谈话"},
    )
    assert talk.status_code == 302
    applicant.refresh_from_db()
    assert applicant.last_step == Step.TALK


def test_a_refused_step_comes_back_with_the_rule_beside_the_field(
    tree: Tree, secretary: User
) -> None:
    applicant = register(tree.branch, by=secretary)
    page = client_of(secretary).post(
        f"/development/{applicant.pk}/", {"step": "TALK", "done_on": "2023-10-01"}
    )
    assert page.status_code == 400
    text = page.content.decode()
    assert 'id="e-done_on"' in text and "不能早于上一步“递交入党申请书”的日期" in text


def test_registering_refuses_a_bad_number_beside_it_and_never_echoes_it(
    tree: Tree, secretary: User
) -> None:
    raw = {k: str(v) for k, v in applicant_fields(id_number="320113200004011235").items()}
    page = client_of(secretary).post("/development/new/", {**raw, "org": tree.branch.pk})
    assert page.status_code == 400
    text = page.content.decode()
    assert 'id="e-id_number"' in text and "320113200004011235" not in text


def test_pages_are_not_found_outside_the_scope(
    tree: Tree, secretary: User, sibling_secretary: User, yaohua_official: User, member_user: User
) -> None:
    applicant = register(tree.branch, by=secretary)
    assert client_of(sibling_secretary).get(f"/development/{applicant.pk}/").status_code == 404
    assert client_of(yaohua_official).get(f"/development/{applicant.pk}/").status_code == 404
    assert client_of(member_user).get("/development/").status_code == 403
    assert Client().get("/development/").status_code == 302
    # the top bar offers the page to those it opens for
    assert "发展党员" in client_of(secretary).get("/").content.decode()
    assert "/development/" not in client_of(member_user).get("/").content.decode()


def test_the_department_sees_its_subtree_by_branch_and_sets_the_plan(
    tree: Tree, secretary: User, district_department: User
) -> None:
    register(tree.branch, by=secretary, name="甲")
    client = client_of(district_department)
    page = client.get("/development/").content.decode()
    assert "各党组织发展党员情况" in page and "文苑社区第一党支部" in page
    done = client.post(
        f"/development/org/{tree.district.pk}/plan/", {"year": "2026", "planned": "30"}
    )
    assert done.status_code == 302
    assert "计划发展 <strong>30</strong> 名" in client.get("/development/").content.decode()
    assert (
        client_of(secretary)
        .post(f"/development/org/{tree.branch.pk}/plan/", {"year": "2026", "planned": "3"})
        .status_code
        == 403
    )


def test_printable_forms_are_filled_from_the_record(
    tree: Tree, secretary: User, people: list[Member]
) -> None:
    applicant = walk(
        register(tree.branch, by=secretary, name="赵青"),
        until=Step.TRAINING,
        secretary=secretary,
        department=None,
        people=people,
    )
    client = client_of(secretary)
    page = client.get(f"/development/{applicant.pk}/").content.decode()
    for key in ("activist", "candidate", "review", "contents"):
        assert f"/development/{applicant.pk}/print/{key}/" in page
        assert client.get(f"/development/{applicant.pk}/print/{key}/").status_code == 200
    review = client.get(f"/development/{applicant.pk}/print/review/").content.decode()
    assert "政治审查合格" in review and "周敏、吴刚" in review
    contents = client.get(f"/development/{applicant.pk}/print/contents/").content.decode()
    assert "入党申请书" in contents and "集中培训结业证明" in contents
    assert client.get(f"/development/{applicant.pk}/print/nothing/").status_code == 404


def test_workbench_panels_link_to_pages_that_open(
    tree: Tree, secretary: User, district_department: User, people: list[Member]
) -> None:
    walk(
        register(tree.branch, by=secretary, name="赵青"),
        until=Step.COMMITTEE_REVIEW,
        secretary=secretary,
        department=None,
        people=people,
    )
    walk(
        register(tree.branch, by=secretary, name="钱立"),
        until=Step.ACTIVIST_FILED,  # the half-year assessment is long overdue
        secretary=secretary,
        department=None,
        people=people,
    )
    for user, title in ((secretary, "发展党员"), (district_department, "发展党员审批")):
        shown = [s for s in workbench.panels_for(user) if s.panel.title == title]
        assert shown and shown[0].content.items, title
        client = client_of(user)
        for item in shown[0].content.items:
            assert client.get(item.url).status_code == 200
    home = client_of(district_department).get("/").content.decode()
    assert "待审批" in home and "赵青" in home


def test_the_api_lists_and_records_steps_with_the_same_rules(
    tree: Tree, secretary: User, people: list[Member]
) -> None:
    client = client_of(secretary)
    raw = applicant_fields(name="赵青")
    body = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in raw.items()}
    body.update(organization_id=tree.branch.pk, education="BACHELOR", category="EMPLOYED")
    created = client.post(
        "/api/v1/development/applicants", json.dumps(body), content_type="application/json"
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["id_number_masked"] == "320113************"
    listed = client.get(f"/api/v1/development/applicants?org={tree.branch.pk}&late=true").json()
    assert [a["id"] for a in listed["items"]] == [pk]
    wrong = client.post(
        f"/api/v1/development/applicants/{pk}/steps",
        json.dumps({"step": "ACTIVIST", "done_on": "2024-01-01"}),
        content_type="application/json",
    )
    assert wrong.status_code == 400 and "下一步是“党组织派人谈话”" in wrong.json()["detail"]
    talk = client.post(
        f"/api/v1/development/applicants/{pk}/steps",
        json.dumps({"step": "TALK", "done_on": "2023-11-20"}),
        content_type="application/json",
    )
    assert talk.status_code == 201 and talk.json()["last_step"] == "TALK"
    assert [s["step"] for s in talk.json()["steps"]] == ["APPLY", "TALK"]
    steps = client.get("/api/v1/development/steps").json()
    assert len(steps["steps"]) == 25 and any("一个月内" in r["text"] for r in steps["time_rules"])
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/development/applicants/{applicant_id}/steps" in schema["paths"]


def test_a_department_adds_a_stricter_rule_from_the_page_and_a_looser_one_is_refused(
    tree: Tree, district_department: User, secretary: User
) -> None:
    client = client_of(district_department)
    rule = {"from_step": "APPLY", "to_step": "TALK", "kind": "DUE", "unit": "DAY"}
    done = client.post(
        f"/development/org/{tree.district.pk}/rules/",
        {**rule, "amount": "15", "text": "本区：收到入党申请书后15日内谈话"},
        follow=True,
    )
    assert "已增加" in done.content.decode()
    shown = client_of(secretary).get(f"/development/?org={tree.branch.pk}").content.decode()
    assert "本区：收到入党申请书后15日内谈话" in shown and "增加从严规定" not in shown
    refused = client.post(
        f"/development/org/{tree.district.pk}/rules/",
        {**rule, "amount": "60", "text": "放宽"},
        follow=True,
    )
    assert "只能从严规定" in refused.content.decode()
    assert (
        client_of(secretary)
        .post(f"/development/org/{tree.branch.pk}/rules/", {**rule, "amount": "10", "text": "x"})
        .status_code
        == 403
    )


def test_the_printed_probation_counts_an_extension(
    tree: Tree, secretary: User, district_department: User, people: list[Member]
) -> None:
    applicant = walk(
        register(tree.branch, by=secretary, name="赵青"),
        until=Step.FULL_MEETING,
        secretary=secretary,
        department=district_department,
        people=people,
    )
    admission = client_of(secretary).get(f"/development/{applicant.pk}/print/admission/")
    # admitted by the general meeting of 2025-03-15: a year
    assert "自2025年3月15日至2026年3月15日（一年）" in admission.content.decode()
    services.record_step(
        applicant=applicant,
        raw={
            "step": "FULL_APPROVAL",
            "done_on": "2026-03-30",
            "outcome": "EXTEND",
            "months": 6,
            "decision": "延长预备期六个月",
        },
        by=district_department,
    )
    assert applicant.member is not None
    assert Member.objects.get(pk=applicant.member.pk).probation_extended_months == 6
    admission = client_of(secretary).get(f"/development/{applicant.pk}/print/admission/")
    text = admission.content.decode()
    assert "自2025年3月15日至2026年9月15日（一年，延长预备期6个月）" in text
    assert "起一年" not in text
