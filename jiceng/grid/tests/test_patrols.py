"""Grid workers log patrols: time, track points, findings that become cases."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from jiceng.accounts.models import User
from jiceng.core import clock
from jiceng.core.models import AuditRecord
from jiceng.grid import services
from jiceng.grid.models import Patrol, PatrolFinding
from jiceng.testing.grid_personas import Grids

pytestmark = pytest.mark.django_db
NOON = dt.datetime(2026, 5, 6, 12, 0, tzinfo=clock.CHINA)


def client_of(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_patrol_through_the_api(grids: Grids, grid_worker: User) -> None:
    api = client_of(grid_worker)
    with clock.frozen(NOON):
        started = api.post(
            "/api/v1/grid/patrols", {"grid_id": grids.wenyuan.pk}, content_type="application/json"
        )
        assert started.status_code == 201
        pid = started.json()["id"]
        again = api.post(
            "/api/v1/grid/patrols", {"grid_id": grids.wenyuan.pk}, content_type="application/json"
        )
        assert again.status_code == 409
        track = api.post(
            f"/api/v1/grid/patrols/{pid}/track",
            {"points": [[118.901, 32.101], [118.902, 32.102, "2026-05-06T12:05:00+08:00"]]},
            content_type="application/json",
        )
        assert track.json()["points"] == 2
        bad = api.post(
            f"/api/v1/grid/patrols/{pid}/track",
            {"points": [[500, 32.1]]},
            content_type="application/json",
        )
        assert bad.status_code == 400 and "超出范围" in bad.json()["detail"]
        found = api.post(
            f"/api/v1/grid/patrols/{pid}/findings",
            {"description": "井盖缺失", "lon": 118.9015, "lat": 32.1015},
            content_type="application/json",
        )
        assert found.status_code == 201
        body = found.json()
        assert body["grid_id"] == grids.wenyuan.pk
        assert body["community_code"] == "320113007001"
        assert body["street_code"] == "320113007000"
    with clock.frozen(NOON + dt.timedelta(minutes=20)):
        ended = api.post(f"/api/v1/grid/patrols/{pid}/end")
        assert api.post(f"/api/v1/grid/patrols/{pid}/end").status_code == 409
    assert ended.json()["findings"] == 1
    patrol = Patrol.objects.get(pk=pid)
    assert patrol.started_at == NOON and patrol.ended_at == NOON + dt.timedelta(minutes=20)
    assert patrol.track[1] == [118.902, 32.102, "2026-05-06T12:05:00+08:00"]
    assert AuditRecord.objects.filter(action="grid.record_finding").count() == 1


def test_another_workers_patrol_and_grid_are_not_found(
    grids: Grids, grid_worker: User, yaohua_worker: User
) -> None:
    patrol = services.start_patrol(grid=grids.yaohua, by=yaohua_worker)
    api = client_of(grid_worker)
    assert (
        api.post(
            "/api/v1/grid/patrols", {"grid_id": grids.yaohua.pk}, content_type="application/json"
        ).status_code
        == 404
    )
    response = api.post(
        f"/api/v1/grid/patrols/{patrol.pk}/findings",
        {"description": "x"},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert not PatrolFinding.objects.exists()


def test_record_finding_returns_what_a_case_needs(grids: Grids, grid_worker: User) -> None:
    patrol = services.start_patrol(grid=grids.wenyuan, by=grid_worker)
    found = services.record_finding(patrol=patrol, description=" 路灯  不亮 ", by=grid_worker)
    assert found.description == "路灯 不亮"
    assert found.reported_by_id == grid_worker.pk
    assert found.lon is None and found.becomes_case
    with pytest.raises(Exception, match="请描述"):
        services.record_finding(patrol=patrol, description="  ", by=grid_worker)


def test_the_patrol_page_on_a_phone(grids: Grids, grid_worker: User) -> None:
    page = client_of(grid_worker)
    assert "开始巡查" in page.get("/grid/patrol/").content.decode()
    page.post("/grid/patrol/", {"action": "start", "grid": grids.wenyuan.pk})
    patrol = Patrol.objects.get(worker=grid_worker)
    html = page.get("/grid/patrol/").content.decode()
    assert "正在巡查：文苑第一网格" in html
    page.post(
        "/grid/patrol/",
        {"action": "finding", "patrol": patrol.pk, "description": "占道经营", "lon": "", "lat": ""},
    )
    assert PatrolFinding.objects.get(patrol=patrol).description == "占道经营"
    page.post("/grid/patrol/", {"action": "end", "patrol": patrol.pk})
    assert Patrol.objects.get(pk=patrol.pk).ended_at is not None
