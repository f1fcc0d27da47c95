"""Under a path: the node itself and every descendant, never a sibling that shares more of the
path than the parent does. Against the database, so it holds on SQLite and PostgreSQL alike."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import Q

from jiceng.core.paths import is_under, under, under_any, under_sql
from jiceng.divisions.models import Division, Level
from jiceng.orgs.models import Organization, OrgKind, PartyGroup

pytestmark = pytest.mark.django_db


def add(parent: Organization, name: str) -> Organization:
    parent = Organization.objects.get(pk=parent.pk)
    return Organization.objects.add_child(parent, {"name": name, "kind": OrgKind.BRANCH})


@pytest.fixture
def tree() -> dict[str, Organization]:
    root = Organization.objects.add_root({"name": "root", "kind": OrgKind.CENTRAL})
    first = add(root, "first")
    second = add(root, "second")  # shares 7 of its 8 characters with `first`
    child = add(first, "child")
    grandchild = add(child, "grandchild")
    deepest = add(add(add(grandchild, "d1"), "d2"), "deepest")
    return {
        "root": root,
        "first": first,
        "second": second,
        "child": child,
        "grandchild": grandchild,
        "deepest": deepest,
        "nephew": add(second, "nephew"),
    }


def names(inside: Q) -> set[str]:
    return set(Organization.objects.filter(inside).values_list("name", flat=True))


def test_under_a_path_is_the_node_and_every_descendant(tree: dict[str, Organization]) -> None:
    first = tree["first"]
    assert first.path[:-1] == tree["second"].path[:-1]  # the siblings differ in the last place
    assert names(under(first.path)) == {"first", "child", "grandchild", "d1", "d2", "deepest"}
    assert names(under(tree["deepest"].path)) == {"deepest"}
    assert names(under(tree["root"].path)) == set(
        Organization.objects.values_list("name", flat=True)
    )


def test_under_any_is_the_union_and_nothing_for_none(tree: dict[str, Organization]) -> None:
    assert names(under_any([tree["grandchild"].path, tree["second"].path])) == {
        "grandchild",
        "d1",
        "d2",
        "deepest",
        "second",
        "nephew",
    }
    assert names(under_any([])) == set()


def test_under_through_a_relation_and_in_raw_sql(tree: dict[str, Organization]) -> None:
    first = tree["first"]
    PartyGroup.objects.create(organization=tree["deepest"], name="g1")
    PartyGroup.objects.create(organization=tree["nephew"], name="g2")
    groups = PartyGroup.objects.filter(under(first.path, "organization__path"))
    assert list(groups.values_list("name", flat=True)) == ["g1"]
    table = Organization._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT name FROM {table} WHERE {under_sql('path', '%s')}",
            [first.path, first.path],
        )
        assert {name for (name,) in cursor.fetchall()} == names(under(first.path))


def test_under_a_division_code(db: None) -> None:
    Division.objects.bulk_create(
        [
            Division(code="320100000000", name="南京市", level=Level.CITY),
            Division(code="320113000000", name="栖霞区", level=Level.COUNTY),
            Division(code="320113007000", name="仙林街道", level=Level.TOWNSHIP),
            Division(code="320113007001", name="文苑社区", level=Level.VILLAGE),
            Division(code="320114000000", name="雨花台区", level=Level.COUNTY),
            Division(code="320111000000", name="浦口区", level=Level.COUNTY),
        ]
    )
    inside = Division.objects.filter(under("320113", "code")).values_list("name", flat=True)
    assert set(inside) == {"栖霞区", "仙林街道", "文苑社区"}
    assert is_under("320113007001", "320113") and not is_under("320114000000", "320113")
    assert not is_under(None, "320113")
