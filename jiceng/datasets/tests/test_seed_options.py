"""`jiceng seed --tree-only` and `--modules-only --modules-under`: the pieces of the scale-1 run
(bench/scale_run.py). Two provinces in the tree (西藏 当雄县 with 29 villages, 云南 西盟县 with
40); the modules seeded under one of them land there and nowhere else."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from jiceng.cooperatives.models import VillageIncome
from jiceng.core.paths import under
from jiceng.dues.models import Bill
from jiceng.members.models import Member
from jiceng.orglife.models import Meeting
from jiceng.orgs.models import Organization, OrgKind
from jiceng.villages.models import Dispatch

from .conftest import AS_OF, DAMXUNG, XIMENG

pytestmark = pytest.mark.usefixtures("divisions")


def seed_tree(*counties: str) -> None:
    for code in counties:
        call_command(
            "seed", "--counties", code, "--workers", "0", "--as-of", str(AS_OF), "--tree-only"
        )


def province(code: str) -> Organization:
    return Organization.objects.get(kind=OrgKind.LOCAL_COMMITTEE, division_id=code.ljust(12, "0"))


def test_the_tree_alone_has_organizations_and_members_and_no_module_rows(
    capsys: pytest.CaptureFixture[str],
) -> None:
    seed_tree(DAMXUNG)
    assert "生成完成：1 个县级单位" in capsys.readouterr().out
    assert Member.objects.exists()
    assert not Meeting.objects.exists() and not Bill.objects.exists()


def test_the_modules_land_under_the_one_province_named(tmp_path: Path) -> None:
    seed_tree(DAMXUNG, XIMENG)
    tibet, yunnan = province("54"), province("53")
    timings = tmp_path / "timings.json"
    call_command(
        "seed",
        "--modules-only",
        "--modules-under",
        "54",
        "--as-of",
        str(AS_OF),
        "--timings",
        str(timings),
    )
    assert Meeting.objects.filter(under(tibet.path, "organization__path")).exists()
    assert not Meeting.objects.filter(under(yunnan.path, "organization__path")).exists()
    assert Bill.objects.filter(under(tibet.path, "member__organization__path")).exists()
    assert not Bill.objects.filter(under(yunnan.path, "member__organization__path")).exists()
    assert Dispatch.objects.exists()
    assert not Dispatch.objects.filter(under(yunnan.path, "team__path")).exists()
    assert VillageIncome.objects.filter(under(tibet.path, "village__path")).exists()
    assert not VillageIncome.objects.filter(under(yunnan.path, "village__path")).exists()
    written = json.loads(timings.read_text())
    assert written["under"]["name"] == tibet.name
    assert written["under"]["members"] == tibet.subtree_member_count
    assert written["under"]["national_members"] == (
        tibet.subtree_member_count + yunnan.subtree_member_count
    )
    assert [m["key"] for m in written["modules"]][:3] == ["orglife", "dues", "development"]
    assert all(m["seconds"] >= 0 for m in written["modules"]) and "tree" not in written


def test_largest_names_the_province_with_the_most_members() -> None:
    seed_tree(DAMXUNG, XIMENG)
    from jiceng.datasets.management.commands.seed import Command

    largest = max((province("54"), province("53")), key=lambda o: o.subtree_member_count)
    assert Command().modules_root("largest") == largest
    assert Command().modules_root(DAMXUNG) == Organization.objects.get(
        kind=OrgKind.LOCAL_COMMITTEE, division_id=DAMXUNG.ljust(12, "0")
    )


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--modules-only", "--modules-under", "99"], "组织树中没有区划 99 的地方党委"),
        (["--modules-only", "--modules-under", "5x"], "区划代码不正确"),
        (["--modules-only", "--modules-under", "largest"], "组织树中还没有省级党委"),
        (["--tree-only", "--modules-under", "54"], "--tree-only 不能与"),
    ],
)
def test_a_wrong_choice_is_refused_before_anything_is_written(
    arguments: list[str], message: str
) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("seed", *arguments, "--workers", "0")
    assert not Meeting.objects.exists()
