"""The patrol page, as the grid worker uses it on a phone: start, record a finding, turn it
into a case (巡查发现转工单) on the pages, end; and the counts of findings in the lists."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import IntegrityError
from django.test import Client

from jiceng.accounts.models import User
from jiceng.cases import queries as case_queries
from jiceng.cases.models import Case
from jiceng.cases.workflow import Channel, Status
from jiceng.grid.models import Patrol, PatrolFinding
from jiceng.testing.cases_personas import WENYUAN_POINT
from jiceng.testing.grid_personas import Grids

pytestmark = pytest.mark.usefixtures("case_categories")


def client_of(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def start(page: Client, grids: Grids) -> Patrol:
    assert (
        page.post("/grid/patrol/", {"action": "start", "grid": grids.wenyuan.pk}).status_code == 302
    )
    return Patrol.objects.get(ended_at__isnull=True)


def record(page: Client, patrol: Patrol, text: str, *, becomes_case: bool = True) -> str:
    data = {"action": "finding", "patrol": patrol.pk, "description": text}
    data.update(lon=str(WENYUAN_POINT[0]), lat=str(WENYUAN_POINT[1]))
    if becomes_case:
        data["becomes_case"] = "yes"
    sent = page.post("/grid/patrol/", data)
    assert sent.status_code == 302
    return str(sent["Location"])


def test_a_finding_becomes_a_case_from_the_patrol_page(grids: Grids, grid_worker: User) -> None:
    page = client_of(grid_worker)
    patrol = start(page, grids)
    next_page = record(page, patrol, "文苑路井盖缺失")
    finding = PatrolFinding.objects.get()
    assert next_page == f"/cases/from-finding/{finding.pk}/"
    form = page.get(next_page).content.decode()
    assert "文苑路井盖缺失" in form and "转为工单并派单" in form and 'name="subject"' in form

    missing = page.post(next_page, {"type": "", "subject": "city-garbage"})
    assert missing.status_code == 400 and "诉求类型不存在或已停用" in missing.content.decode()
    assert not Case.objects.exists()

    made = page.post(next_page, {"type": "report", "subject": "city-garbage"}, follow=True)
    case = Case.objects.get()
    assert (case.channel, case.finding_id, case.grid_id) == (
        Channel.PATROL,
        finding.pk,
        grids.wenyuan.pk,
    )
    assert case.status == Status.DISPATCHED and case.entered_by == grid_worker
    assert made.redirect_chain[-1][0] == f"/cases/{case.pk}/"
    assert f"已转为工单 {case.number}" in made.content.decode()

    patrol_page = page.get("/grid/patrol/").content.decode()
    assert "已转工单" in patrol_page and case.number in patrol_page
    again = page.post(next_page, {"type": "report", "subject": "city-garbage"})
    assert "已经转为工单" in again.content.decode() and Case.objects.count() == 1


def test_the_worker_patrols_from_the_inbox(
    grids: Grids, grid_worker: User, units: object, urban_staff: User
) -> None:
    assert 'href="/grid/patrol/"' in client_of(grid_worker).get("/cases/inbox/").content.decode()
    staff_inbox = client_of(urban_staff).get("/cases/inbox/").content.decode()
    assert 'href="/grid/patrol/"' not in staff_inbox  # a department has no grid to patrol


def test_a_finding_handled_on_the_spot_stays_a_record(grids: Grids, grid_worker: User) -> None:
    page = client_of(grid_worker)
    patrol = start(page, grids)
    assert record(page, patrol, "小广告已当场清除", becomes_case=False) == "/grid/patrol/"
    assert PatrolFinding.objects.get().becomes_case is False
    text = page.get("/grid/patrol/").content.decode()
    assert "当场处置" in text and "/cases/from-finding/" not in text
    assert not Case.objects.exists()


def test_findings_not_yet_cases_wait_on_the_patrol_page(grids: Grids, grid_worker: User) -> None:
    page = client_of(grid_worker)
    patrol = start(page, grids)
    record(page, patrol, "路灯不亮")
    page.post("/grid/patrol/", {"action": "end", "patrol": patrol.pk})
    text = page.get("/grid/patrol/").content.decode()
    finding = PatrolFinding.objects.get()
    assert "待转工单的发现" in text and f"/cases/from-finding/{finding.pk}/" in text
    assert "发现问题 1 个" in text


def test_another_workers_finding_answers_404(
    grids: Grids, grid_worker: User, yaohua_worker: User
) -> None:
    patrol = start(client_of(grid_worker), grids)
    record(client_of(grid_worker), patrol, "垃圾满溢")
    finding = PatrolFinding.objects.get()
    other = client_of(yaohua_worker)
    assert other.get(f"/cases/from-finding/{finding.pk}/").status_code == 404
    sent = other.post(
        f"/cases/from-finding/{finding.pk}/", {"type": "report", "subject": "city-garbage"}
    )
    assert sent.status_code == 404 and not Case.objects.exists()


def test_the_patrol_list_counts_the_findings(grids: Grids, grid_worker: User) -> None:
    page = client_of(grid_worker)
    patrol = start(page, grids)
    record(page, patrol, "井盖缺失")
    record(page, patrol, "树枝倒伏", becomes_case=False)
    listed = page.get("/api/v1/grid/patrols").json()
    assert [(p["id"], p["findings"]) for p in listed] == [(patrol.pk, 2)]


def test_a_double_tap_shows_the_case_the_first_tap_opened(
    grids: Grids, grid_worker: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = client_of(grid_worker)
    next_page = record(page, start(page, grids), "井盖缺失")
    first = page.post(next_page, {"type": "report", "subject": "city-garbage"})
    assert first.status_code == 302
    # The second tap read "no case yet" before the first committed, and its insert meets the
    # one-case-per-finding index.
    seen: Iterator[dict[int, Case]] = iter([{}])
    real = case_queries.cases_of_findings
    monkeypatch.setattr(
        "jiceng.cases.queries.cases_of_findings", lambda ids: next(seen, None) or real(ids)
    )

    def too_late(**_: object) -> None:
        raise IntegrityError("UNIQUE constraint failed: case_one_per_finding")

    monkeypatch.setattr("jiceng.cases.intake.submit_finding", too_late)
    second = page.post(next_page, {"type": "report", "subject": "city-garbage"})
    assert second.status_code == 200
    assert Case.objects.get().number in second.content.decode()
    assert "已经转为工单" in second.content.decode()
