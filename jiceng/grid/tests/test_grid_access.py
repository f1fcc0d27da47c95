"""Who may see and change grids: anonymous, wrong street, right street, grid worker."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from jiceng.accounts.models import Role, RoleAssignment, User
from jiceng.core.errors import NotFound
from jiceng.core.models import AuditRecord
from jiceng.grid import queries, services
from jiceng.grid.models import Grid, GridWorker
from jiceng.testing.grid_personas import Grids, square

pytestmark = pytest.mark.django_db


def client_of(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_scoping_of_grids(
    grids: Grids,
    division_official: User,
    yaohua_street_official: User,
    grid_worker: User,
    wenyuan_official: User,
    secretary: User,
) -> None:
    codes = lambda u: sorted(queries.grids_for(u).values_list("code", flat=True))  # noqa: E731
    assert codes(division_official) == ["XL-WY-01", "XL-WY-02", "XL-XH-01"]
    assert codes(yaohua_street_official) == ["YH-01"]
    assert codes(grid_worker) == ["XL-WY-01"]  # own grid, not the whole community
    assert codes(wenyuan_official) == ["XL-WY-01", "XL-WY-02"]
    assert codes(secretary) == []


def test_pages_anonymous_go_to_sign_in(grids: Grids) -> None:
    for url in ["/grid/", "/grid/import/", "/grid/export.geojson", "/grid/patrol/"]:
        response = Client().get(url)
        assert response.status_code == 302 and "/login" in response["Location"], url
    assert Client().get("/api/v1/grid/grids").status_code == 401


def test_the_map_shows_only_the_grids_in_scope(
    grids: Grids, division_official: User, yaohua_street_official: User, grid_worker: User
) -> None:
    page = client_of(division_official).get("/grid/")
    assert page.status_code == 200
    data = json.loads(page.context["map_data"] and json.dumps(page.context["map_data"]))
    assert {f["properties"]["code"] for f in data["features"]} == {
        "XL-WY-01",
        "XL-WY-02",
        "XL-XH-01",
    }
    assert data["tiles"] is None  # no basemap unless JICENG_MAP_TILE_URL is set
    assert "YH-01" not in page.content.decode()
    assert "YH-01" in client_of(yaohua_street_official).get("/grid/").content.decode()
    worker_page = client_of(grid_worker).get("/grid/").content.decode()
    assert "XL-WY-01" in worker_page and "XL-WY-02" not in worker_page


def test_api_grid_outside_the_street_is_not_found(
    grids: Grids, yaohua_street_official: User, division_official: User
) -> None:
    wrong = client_of(yaohua_street_official)
    assert wrong.get(f"/api/v1/grid/grids/{grids.wenyuan.pk}").status_code == 404
    patch = wrong.patch(
        f"/api/v1/grid/grids/{grids.wenyuan.pk}",
        {"name": "改名"},
        content_type="application/json",
    )
    assert patch.status_code == 404
    assert Grid.objects.get(pk=grids.wenyuan.pk).name == "文苑第一网格"
    right = client_of(division_official)
    detail = right.get(f"/api/v1/grid/grids/{grids.wenyuan.pk}").json()
    assert detail["geometry"]["type"] == "Polygon"
    patch = right.patch(
        f"/api/v1/grid/grids/{grids.wenyuan.pk}",
        {"name": "文苑一格"},
        content_type="application/json",
    )
    assert patch.status_code == 200 and patch.json()["name"] == "文苑一格"


def test_creating_a_grid_needs_manage_grids_in_that_street(
    grids: Grids, yaohua_street_official: User, division_official: User, grid_worker: User
) -> None:
    body = {
        "code": "XL-WY-03",
        "name": "文苑第三网格",
        "community": "320113007001",
        "geometry": square(118.91, 32.10, 118.915, 32.105),
    }
    assert (
        client_of(grid_worker)
        .post("/api/v1/grid/grids", body, content_type="application/json")
        .status_code
        == 403
    )
    # Another street's community answers as if it did not exist, like every row out of scope.
    refused = client_of(yaohua_street_official).post(
        "/api/v1/grid/grids", body, content_type="application/json"
    )
    assert refused.status_code == 404
    assert refused.json()["detail"] == "社区（村）不存在或不在您的管理范围内"
    assert not Grid.objects.filter(code="XL-WY-03").exists()
    created = client_of(division_official).post(
        "/api/v1/grid/grids", body, content_type="application/json"
    )
    assert created.status_code == 201
    grid = Grid.objects.get(code="XL-WY-03")
    assert grid.street_id == "320113007000"
    assert AuditRecord.objects.filter(action="grid.create_grid", target_id=str(grid.pk)).exists()
    located = client_of(division_official).get("/api/v1/grid/locate?lon=118.912&lat=32.102")
    assert located.json()["grid_id"] == grid.pk


def test_writes_to_a_grid_of_another_street_are_not_found(
    grids: Grids, yaohua_street_official: User, grid_worker: User
) -> None:
    """The services refuse on their own, whoever calls them: NotFound, and nothing changes."""
    with pytest.raises(NotFound):
        services.change_grid(grid=grids.wenyuan, name="改名", by=yaohua_street_official)
    with pytest.raises(NotFound):
        services.assign_worker(
            grid=grids.wenyuan, user=yaohua_street_official, by=yaohua_street_official
        )
    with pytest.raises(NotFound):
        services.remove_worker(grid=grids.wenyuan, user=grid_worker, by=yaohua_street_official)
    assert Grid.objects.get(pk=grids.wenyuan.pk).name == "文苑第一网格"
    assert list(queries.workers_of(grids.wenyuan)) == [grid_worker]


def test_a_bad_polygon_is_refused_in_chinese(grids: Grids, division_official: User) -> None:
    bowtie = {
        "type": "Polygon",
        "coordinates": [
            [[118.9, 32.1], [118.91, 32.11], [118.91, 32.1], [118.9, 32.11], [118.9, 32.1]]
        ],
    }
    response = client_of(division_official).post(
        "/api/v1/grid/grids",
        {"code": "BAD", "name": "坏", "community": "320113007001", "geometry": bowtie},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "自相交" in response.json()["detail"]


def test_assigning_a_worker_grants_the_role_and_is_audited(
    grids: Grids, division_official: User
) -> None:
    user = User.objects.create_user(username="new-worker", password="Pa55word!x")
    response = client_of(division_official).post(
        f"/api/v1/grid/grids/{grids.wenyuan_east.pk}/workers",
        {"username": "new-worker"},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert GridWorker.objects.filter(user=user, grid=grids.wenyuan_east).exists()
    assert RoleAssignment.objects.filter(
        user=user, role=Role.GRID_WORKER, division_id="320113007001"
    ).exists()
    assert list(queries.workers_of(grids.wenyuan_east)) == [user]
    assert AuditRecord.objects.filter(action="grid.assign_worker").count() == 1
    services.remove_worker(grid=grids.wenyuan_east, user=user, by=division_official)
    assert not RoleAssignment.objects.filter(user=user, role=Role.GRID_WORKER).exists()


def test_import_page_is_for_grid_managers(
    grids: Grids, grid_worker: User, division_official: User
) -> None:
    assert client_of(grid_worker).get("/grid/import/").status_code == 403
    assert client_of(division_official).get("/grid/import/").status_code == 200
