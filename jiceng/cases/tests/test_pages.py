"""The pages over real HTTP: the citizen's form and link, the inboxes, the case page's moves."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from jiceng.accounts.models import User
from jiceng.cases.models import Case, SummonsReport
from jiceng.cases.workflow import Status
from jiceng.core import clock
from jiceng.testing.cases_personas import WENYUAN_POINT, Units
from jiceng.testing.grid_personas import Grids

MOBILE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def fresh_rates() -> None:
    cache.clear()


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def form(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "type": "help",
        "subject": "city-garbage",
        "description": "楼下垃圾堆积",
        "lon": str(WENYUAN_POINT[0]),
        "lat": str(WENYUAN_POINT[1]),
        "address": "文苑路 2 号",
        "reporter_name": "周先生",
        "reporter_phone": "13700002222",
    }
    data.update(overrides)
    return data


def test_the_citizen_form_submits_and_lands_on_the_tracking_page(
    grids: Grids, units: Units, settings: object, tmp_path: object
) -> None:
    settings.MEDIA_ROOT = tmp_path  # type: ignore[attr-defined]
    client = Client()
    page = client.get("/cases/submit/")
    assert page.status_code == 200 and "case-map-data" in page.content.decode()
    sent = client.post("/cases/submit/", {**form(), "photo": SimpleUploadedFile("a.png", PNG)})
    assert sent.status_code == 302 and "/cases/track/" in sent["Location"]
    tracked = client.get(sent["Location"])
    text = tracked.content.decode()
    assert "已受理" in text and "已派单" in text and not MOBILE.search(text)
    assert tracked["Cache-Control"] == "no-store"
    assert Case.objects.get().photo


def test_the_citizen_form_says_what_is_wrong(grids: Grids, units: Units) -> None:
    sent = Client().post("/cases/submit/", form(lon="", lat="", address="", description=""))
    assert sent.status_code == 400
    assert "请描述诉求内容" in sent.content.decode()


def test_the_worker_sees_the_inbox_and_accepts_on_the_case_page(
    submit_case: Callable[..., Case], grid_worker: User
) -> None:
    case = submit_case()
    worker = signed_in(grid_worker)
    assert case.number in worker.get("/cases/inbox/").content.decode()
    page = worker.get(f"/cases/{case.pk}/").content.decode()
    assert "签收" in page and "139****5678" in page and not MOBILE.search(page)
    worker.post(f"/cases/{case.pk}/move/accept/")
    assert Case.objects.get(pk=case.pk).status == Status.ACCEPTED
    refused = worker.post(f"/cases/{case.pk}/move/accept/", follow=True)
    assert "不能签收" in refused.content.decode()
    revealed = worker.post(f"/cases/{case.pk}/phone/").content.decode()
    assert "13912345678" in revealed


def test_the_case_page_says_when_the_step_is_overdue(
    submit_case: Callable[..., Case], grid_worker: User
) -> None:
    case = submit_case()
    assert case.accept_due_at is not None
    worker = signed_in(grid_worker)
    assert "已超时" not in worker.get(f"/cases/{case.pk}/").content.decode()
    with clock.frozen(case.accept_due_at + dt.timedelta(minutes=1)):
        late = signed_in(grid_worker).get(f"/cases/{case.pk}/").content.decode()
    assert '<span class="badge warning">已超时</span>' in late


def test_pages_refuse_outsiders(
    submit_case: Callable[..., Case], yaohua_street_official: User, member_user: User
) -> None:
    case = submit_case()
    assert Client().get(f"/cases/{case.pk}/").status_code == 302
    assert signed_in(member_user).get(f"/cases/{case.pk}/").status_code == 403
    assert signed_in(yaohua_street_official).get(f"/cases/{case.pk}/").status_code == 404
    assert (
        signed_in(yaohua_street_official).post(f"/cases/{case.pk}/move/close/").status_code == 404
    )
    assert signed_in(member_user).get("/cases/dispatch/").status_code == 403


def test_the_street_blows_the_whistle_and_departments_report_on_the_pages(
    submit_case: Callable[..., Case],
    units: Units,
    division_official: User,
    urban_staff: User,
    water_staff: User,
) -> None:
    case = submit_case()
    street = signed_in(division_official)
    assert "吹哨" in street.get(f"/cases/{case.pk}/").content.decode()
    street.post(
        f"/cases/{case.pk}/summons/",
        {"departments": [units.urban.pk, units.water.pk], "within_minutes": "30"},
    )
    assert SummonsReport.objects.filter(case=case).count() == 2
    assert case.number in street.get("/cases/whistle/").content.decode()
    water = signed_in(water_staff)
    assert case.number in water.get("/cases/department/").content.decode()
    report = SummonsReport.objects.get(case=case, department=units.water)
    water.post(f"/cases/reports/{report.pk}/report/")
    water.post(f"/cases/reports/{report.pk}/finish/", {"note": "已疏通"})
    report.refresh_from_db()
    assert report.reported_at and report.finished_at

    def summonses_on_board(query: str = "") -> str:
        page = street.get(f"/cases/whistle/{query}").content.decode()
        return page.split("辖区办理中的诉求")[0]

    # 城管 has still to report: the summons stays on the board's 进行中 list ...
    assert case.number in summonses_on_board()
    urban = signed_in(urban_staff)
    other = SummonsReport.objects.get(case=case, department=units.urban)
    urban.post(f"/cases/reports/{other.pk}/report/")
    urban.post(f"/cases/reports/{other.pk}/finish/", {"note": "已清理"})
    # ... and once both have finished it is found under 全部 only.
    assert case.number not in summonses_on_board()
    assert case.number in summonses_on_board("?show=all")


def test_the_dispatcher_console_and_hotline_intake(
    grids: Grids, units: Units, wenyuan_official: User
) -> None:
    desk = signed_in(wenyuan_official)
    assert desk.get("/cases/dispatch/").status_code == 200
    taken = desk.post("/cases/dispatch/new/", form())
    assert taken.status_code == 302
    case = Case.objects.get()
    assert case.channel == "HOTLINE" and case.entered_by == wenyuan_official
    assert case.number in desk.get("/cases/dispatch/").content.decode()
