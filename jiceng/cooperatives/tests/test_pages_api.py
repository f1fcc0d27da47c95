"""The pages, the API and the dashboard tile through Django's test client: who opens what,
the village secretary's forms, the weak list for the township, the audited reveal."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.test import Client

from jiceng.accounts.models import User
from jiceng.cooperatives import services
from jiceng.cooperatives.dashboard_tiles import build
from jiceng.cooperatives.models import Cooperative, VillageIncome
from jiceng.core.models import AuditRecord
from jiceng.orgs.models import Organization
from jiceng.testing.personas import Tree

pytestmark = pytest.mark.usefixtures("frozen")


def client_of(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_village_secretary_records_income_and_the_township_sees_the_weak_list(
    village: Organization,
    village_secretary: User,
    street_official: User,
    yaohua_official: User,
    member_user: User,
) -> None:
    url = f"/cooperatives/village/{village.pk}/?action=income"
    secretary = client_of(village_secretary)
    refused = secretary.post(url, {"year": "2025", "total": "30000", "operating": "40000"})
    assert "经营性收入不能超过总收入" in refused.content.decode()
    secretary.post(url, {"year": "2025", "total": "30000", "operating": "10000"})
    assert VillageIncome.objects.get().total == Decimal(30000)

    weak = client_of(street_official).get("/cooperatives/weak/").content.decode()
    assert "青山村党支部" in weak and "2025年" in weak
    assert (
        "青山村党支部" not in client_of(yaohua_official).get("/cooperatives/weak/").content.decode()
    )
    assert client_of(yaohua_official).get(f"/cooperatives/village/{village.pk}/").status_code == 404
    assert client_of(member_user).get("/cooperatives/").status_code == 403


def test_the_cooperative_page_masks_heads_and_the_reveal_is_audited(
    village: Organization, village_secretary: User, street_official: User
) -> None:
    client = client_of(village_secretary)
    page = client.post(
        f"/cooperatives/village/{village.pk}/?action=register",
        {
            "name": "青山村茶叶专业合作社",
            "business": "茶叶",
            "registered_on": "2022-04-01",
            "collective_shares": "60",
        },
    )
    cooperative = Cooperative.objects.get()
    assert page.status_code == 302
    client.post(
        f"/cooperatives/{cooperative.pk}/?action=member",
        {"head": "何国强", "land_mu": "3", "shares": "10"},
    )
    shown = client.get(f"/cooperatives/{cooperative.pk}/").content.decode()
    assert "何**" in shown and "何国强" not in shown
    member = cooperative.members.get()
    assert "何国强" in client.post(f"/cooperatives/member/{member.pk}/reveal/").content.decode()
    assert AuditRecord.objects.filter(action="cooperatives.reveal_head").count() == 1
    # the street's department sees the cooperative, and manages it (its subtree)
    assert client_of(street_official).get(f"/cooperatives/{cooperative.pk}/").status_code == 200


def test_the_api_records_income_and_lists_weak_villages(
    village: Organization, village_secretary: User, yaohua_official: User
) -> None:
    client = client_of(village_secretary)
    url = f"/api/v1/cooperatives/villages/{village.pk}/incomes"
    body = {"year": 2024, "total": "20000.00", "operating": "5000.00"}
    made = client.post(url, json.dumps(body), content_type="application/json")
    assert made.status_code == 201 and made.json()["weak_since"] == 2024
    again = client.post(url, json.dumps(body), content_type="application/json")
    assert again.status_code == 409
    listed = client.get("/api/v1/cooperatives/weak-villages").json()
    assert [w["name"] for w in listed] == ["青山村党支部"]
    other = client_of(yaohua_official).post(url, json.dumps(body), content_type="application/json")
    assert other.status_code == 404


def test_the_dashboard_tile_counts_weak_villages_in_the_subtree(
    village: Organization, tree: Tree, district_department: User
) -> None:
    services.record_village_income(
        village=village, year=2025, total=Decimal(1000), operating=Decimal(0), by=None
    )
    tile = build(tree.district, district_department)
    assert tile is not None and tile.figures[0].value == 1
    assert build(tree.yaohua, district_department) is None
