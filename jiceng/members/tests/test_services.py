import datetime as dt

import pytest

from jiceng.core import clock, crypto, idnumbers
from jiceng.core.errors import InvalidInput, NotFound
from jiceng.members import services
from jiceng.members.models import Member, MemberEvent, MemberStatus
from jiceng.orgs.models import Organization
from jiceng.testing.personas import Tree, add_member, member_fields


def test_new_member_is_stored_encrypted_and_masked(tree: Tree) -> None:
    id_number = idnumbers.make("320113", dt.date(1990, 3, 7), 123)
    member = add_member(tree.branch, name="周丽", id_number=id_number, phone="13812345678")
    stored = Member.objects.get(pk=member.pk)
    assert id_number.encode() not in bytes(stored.id_number_sealed)
    assert crypto.unseal(stored.id_number_sealed, field="id_number") == id_number
    assert stored.phone_sealed is not None
    assert crypto.unseal(stored.phone_sealed, field="phone") == "13812345678"
    assert stored.id_number_masked == "320113************"
    assert stored.phone_masked == "138****5678"
    assert stored.birth_date == dt.date(1990, 3, 7)
    assert stored.gender == "M"  # sequence 123: odd


def test_birth_date_and_gender_come_from_the_id_number(tree: Tree) -> None:
    id_number = idnumbers.make("320113", dt.date(1972, 12, 30), 124)
    data = services.check_member_input(member_fields(id_number=id_number), organization=tree.branch)
    assert (data.birth_date, data.gender) == (dt.date(1972, 12, 30), "F")
    with pytest.raises(InvalidInput) as refused:
        services.check_member_input(
            member_fields(id_number=id_number, gender="男"), organization=tree.branch
        )
    assert refused.value.fields["gender"] == "性别与身份证号不符（身份证号显示为女）"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("id_number", "32011319900307123", "身份证号应为18位，实际为17位"),
        ("id_number", "320113199002301234", "身份证号第7至14位的出生日期不存在"),
        ("phone", "1381234567", "手机号不正确，应为以1开头的11位数字"),
        ("status", "党员", "党籍状态“党员”不正确"),
        ("ethnicity", "汉", "民族“汉”不正确"),
        ("joined_on", "2010年13月1日", "入党日期“2010年13月1日”不是有效日期"),
        ("is_mobile", "不是", "流动党员应填“是”或“否”"),
        ("name", "", "请填写姓名"),
    ],
)
def test_bad_particulars_are_refused_in_chinese(
    tree: Tree, field: str, value: str, message: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        services.check_member_input(member_fields(**{field: value}), organization=tree.branch)
    assert refused.value.fields[field].startswith(message)


def test_joining_before_eighteen_is_refused(tree: Tree) -> None:
    young = idnumbers.make("320113", dt.date(2000, 1, 1), 5)
    with pytest.raises(InvalidInput, match="入党时未满18周岁"):
        services.check_member_input(
            member_fields(
                id_number=young, joined_on=dt.date(2016, 6, 1), full_member_on=dt.date(2017, 6, 1)
            ),
            organization=tree.branch,
        )


def test_probationary_member_has_no_full_date_and_full_member_needs_one(tree: Tree) -> None:
    with pytest.raises(InvalidInput, match="预备党员不应有转正日期"):
        services.check_member_input(member_fields(status="预备党员"), organization=tree.branch)
    with pytest.raises(InvalidInput, match="正式党员请填写转正日期"):
        services.check_member_input(member_fields(full_member_on=None), organization=tree.branch)


def test_members_belong_to_grassroots_organizations_only(tree: Tree) -> None:
    with pytest.raises(InvalidInput, match="党员只能编入基层党组织"):
        services.check_member_input(member_fields(), organization=tree.xianlin)


def test_a_merged_countys_area_code_is_a_warning_not_an_error(tree: Tree) -> None:
    from jiceng.divisions.models import Division

    Division.objects.create(code="320113000000", name="栖霞区", level=3)
    services._area_codes.cache_clear()
    try:
        old_area = idnumbers.make("320103", dt.date(1980, 1, 1), 11)  # 白下区, merged in 2013
        data = services.check_member_input(
            member_fields(id_number=old_area), organization=tree.branch
        )
        assert data.warnings and "320103" in data.warnings[0]
        ok = services.check_member_input(member_fields(), organization=tree.branch)
        assert ok.warnings == ()
    finally:
        services._area_codes.cache_clear()


def test_the_same_id_number_cannot_be_registered_twice(tree: Tree) -> None:
    id_number = idnumbers.make("320113", dt.date(1988, 8, 8), 77)
    add_member(tree.branch, id_number=id_number)
    with pytest.raises(InvalidInput, match="该身份证号已在系统中登记，请联系上级党组织核实"):
        add_member(tree.sibling, id_number=id_number.lower())
    assert Member.objects.count() == 1


def test_create_members_is_all_or_nothing(tree: Tree) -> None:
    repeated = idnumbers.make("320113", dt.date(1988, 8, 8), 79)
    rows = [
        services.check_member_input(member_fields(id_number=repeated), organization=tree.branch),
        services.check_member_input(member_fields(), organization=tree.branch),
        services.check_member_input(member_fields(id_number=repeated), organization=tree.sibling),
    ]
    with pytest.raises(InvalidInput, match="在本次导入中重复出现"):
        services.create_members(rows=rows, by=None)
    assert Member.objects.count() == 0
    tree.branch.refresh_from_db()
    assert tree.branch.member_count == 0


def test_rollups_follow_status_and_organization_changes(tree: Tree) -> None:
    member = add_member(tree.branch, status="预备党员", full_member_on=None)
    org = Organization.objects.get(pk=tree.branch.pk)
    assert (org.member_count, org.full_member_count) == (1, 0)
    raw = member_fields(
        id_number=crypto.unseal(member.id_number_sealed, field="id_number"),
        status="正式党员",
        full_member_on=dt.date(2011, 7, 1),
    )
    services.update_member(
        member=member,
        data=services.check_member_input(raw, organization=tree.sibling),
        by=None,
        reason="转正已于2011年经支部大会通过，此前漏录",
    )
    branch, sibling, community = (
        Organization.objects.get(pk=o.pk) for o in (tree.branch, tree.sibling, tree.community)
    )
    assert (branch.member_count, branch.full_member_count) == (0, 0)
    assert (sibling.member_count, sibling.full_member_count) == (1, 1)
    assert community.subtree_member_count == 1
    raw["status"] = "已去世"
    services.update_member(
        member=member, data=services.check_member_input(raw, organization=tree.sibling), by=None
    )
    sibling = Organization.objects.get(pk=tree.sibling.pk)
    assert (sibling.member_count, sibling.full_member_count, sibling.subtree_member_count) == (
        0,
        0,
        0,
    )
    assert Member.objects.get(pk=member.pk).status == MemberStatus.DECEASED
    moves = list(
        MemberEvent.objects.exclude(move="REGISTER")
        .filter(member=member)
        .order_by("pk")
        .values_list("move", "from_status", "to_status")
    )
    assert moves == [
        ("CORRECT", "PROBATIONARY", "FULL"),
        ("TRANSFER", "FULL", "FULL"),  # the same edit moved the member to the sibling branch
        ("DIE", "FULL", "DECEASED"),
    ]


def test_secretary_cannot_register_into_another_branch(tree: Tree, secretary) -> None:
    data = services.check_member_input(member_fields(), organization=tree.sibling)
    with pytest.raises(NotFound):
        services.create_member(data=data, by=secretary)
    assert not Member.objects.exists()


def test_future_dates_are_refused(tree: Tree) -> None:
    with (
        clock.frozen(dt.datetime(2026, 1, 1, 12, 0)),
        pytest.raises(InvalidInput, match="入党日期不能晚于今天"),
    ):
        services.check_member_input(
            member_fields(joined_on=dt.date(2026, 3, 1), status="预备党员", full_member_on=None),
            organization=tree.branch,
        )


@pytest.mark.parametrize(
    "written", ["2010-07-01", "2010/7/1", "2010.7.1", "2010年7月1日", "20100701"]
)
def test_dates_are_read_as_people_write_them(tree: Tree, written: str) -> None:
    data = services.check_member_input(member_fields(joined_on=written), organization=tree.branch)
    assert data.joined_on == dt.date(2010, 7, 1)
