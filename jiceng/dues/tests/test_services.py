"""Bases, bills, payments, arrears and totals against the database."""

from __future__ import annotations

import datetime as dt

import pytest

from jiceng.core import clock
from jiceng.core.errors import Conflict, InvalidInput, NotFound
from jiceng.core.paths import under
from jiceng.dues import bases, billing, payments, queries, rates, tables
from jiceng.dues.models import Bill, DuesBase, MonthTotal, Payment, Remittance
from jiceng.testing.personas import add_member

NOW = dt.datetime(2026, 6, 10, 10, tzinfo=clock.CHINA)


@pytest.fixture(autouse=True)
def frozen():
    with clock.frozen(NOW):
        yield


def bill_months(member):
    return list(Bill.objects.filter(member=member).order_by("month").values_list("month", "amount"))


def test_base_gives_the_amount_of_the_table(tree, secretary):
    member = add_member(tree.branch)
    found = bases.set_base(member=member, year=2026, base=600_000, by=secretary)
    assert found.standard_amount == 9000  # 1.5% of 6,000 yuan
    assert found.category == "EMPLOYED"


@pytest.mark.parametrize(("base", "rule"), [(-100, "不能为负数"), (200_000_000, "录入错误")])
def test_negative_or_absurd_base_is_refused_and_nothing_written(tree, secretary, base, rule):
    member = add_member(tree.branch)
    with pytest.raises(InvalidInput, match=rule) as refused:
        bases.set_base(member=member, year=2026, base=base, by=secretary)
    assert "base" in refused.value.fields
    assert not DuesBase.objects.exists()


def test_a_secretary_cannot_set_the_base_of_another_branch(tree, sibling_secretary):
    member = add_member(tree.branch)
    with pytest.raises(NotFound):
        bases.set_base(member=member, year=2026, base=300_000, by=sibling_secretary)


def test_subsistence_pays_the_fixed_sum(tree, secretary):
    member = add_member(tree.branch)
    found = bases.set_base(member=member, year=2026, base=None, on_subsistence=True, by=secretary)
    assert found.standard_amount == 20


def test_reduction_needs_a_reason_and_not_above_the_standard(tree, secretary):
    member = add_member(tree.branch)
    bases.set_base(member=member, year=2026, base=300_000, by=secretary)
    with pytest.raises(InvalidInput, match="原因"):
        bases.approve_reduction(member=member, year=2026, amount=0, reason=" ", by=secretary)
    with pytest.raises(InvalidInput, match="不能高于"):
        bases.approve_reduction(member=member, year=2026, amount=2000, reason="病", by=secretary)
    billing.generate_bills(organization=tree.branch, month=202605, by=None)
    billing.generate_bills(organization=tree.branch, month=202606, by=None)
    found = bases.approve_reduction(member=member, year=2026, amount=0, reason="重病", by=secretary)
    assert found.monthly_amount == 0
    # from the month of the approval (June) on, the unpaid bills follow; May stays as it was
    assert bill_months(member) == [(202605, 1500), (202606, 0)]
    assert MonthTotal.objects.get(organization=tree.branch, month=202606).expected == 0
    assert found.reduction_approved_by == secretary


def test_bills_are_idempotent_and_follow_the_table(tree, secretary):
    worker = add_member(tree.branch, name="在岗")
    farmer = add_member(tree.branch, name="农民", category="农牧渔民")
    nobase = add_member(tree.branch, name="无基数")
    bases.set_base(member=worker, year=2026, base=450_000, by=secretary)
    first = billing.generate_bills(organization=tree.branch, month=202606, by=secretary)
    again = billing.generate_bills(organization=tree.community, month=202606, by=None)
    assert first.created == 2
    assert again.created == 0
    assert bill_months(worker) == [(202606, 4500)]
    assert bill_months(farmer) == [(202606, 50)]
    assert bill_months(nobase) == []
    total = MonthTotal.objects.get(organization=tree.branch, month=202606)
    assert (total.expected, total.collected, total.billed, total.paid) == (4550, 0, 2, 0)


def test_the_sql_amount_agrees_with_the_python_rules(tree, secretary):
    table = tables.table_for(2026)
    cases = [
        ("在岗职工", 299_999),
        ("在岗职工", 300_001),
        ("在岗职工", 1_234_567),
        ("离退休人员", 500_001),
    ]
    members = []
    for category, base in cases:
        m = add_member(tree.branch, category=category)
        bases.set_base(member=m, year=2025, base=base, by=secretary)  # last year's still holds
        members.append((m, category, base))
    billing.generate_bills(organization=tree.branch, month=202606, by=secretary)
    for m, _, base in members:
        expected = rates.monthly_amount(table, category=m.category, base=base)
        assert Bill.objects.get(member=m).amount == expected


def test_probationary_member_pays_from_the_meeting_month(tree, secretary):
    member = add_member(
        tree.branch,
        category="学生",
        status="预备党员",
        joined_on=dt.date(2026, 5, 20),
        full_member_on=None,
    )
    for month in (202604, 202605, 202606):
        billing.generate_bills(organization=tree.branch, month=month, by=secretary)
    assert bill_months(member) == [(202605, 20), (202606, 20)]


def arrears_member(tree, secretary, months=range(202601, 202607)):
    member = add_member(tree.branch, category="学生", name="欠缴")
    for month in months:
        billing.generate_bills(organization=tree.branch, month=month, by=None)
    return member


def test_payment_of_several_months_with_a_receipt_number(tree, secretary):
    member = arrears_member(tree, secretary)
    first = payments.record_payment(
        member=member, months=[202601, 202602], method="CASH", by=secretary
    )
    second = payments.record_payment(
        member=member, months=[202603], method="TRANSFER", reference="TX1", by=secretary
    )
    assert (first.amount, first.months, first.receipt_label) == (40, 2, "2026-0001")
    assert second.receipt_label == "2026-0002"
    assert MonthTotal.objects.get(organization=tree.branch, month=202601).collected == 20
    assert queries.paid_up_to(member) == dt.date(2026, 3, 31)


def test_a_paid_month_cannot_be_paid_again_and_nothing_is_written(tree, secretary):
    member = arrears_member(tree, secretary)
    payments.record_payment(member=member, months=[202601], method="CASH", by=secretary)
    with pytest.raises(InvalidInput, match="2026年1月没有待缴"):
        payments.record_payment(member=member, months=[202601, 202602], method="CASH", by=secretary)
    assert Payment.objects.count() == 1
    assert Bill.objects.get(member=member, month=202602).payment_id is None


def test_transfer_needs_its_reference(tree, secretary):
    member = arrears_member(tree, secretary)
    with pytest.raises(InvalidInput, match="凭证号"):
        payments.record_payment(member=member, months=[202601], method="TRANSFER", by=secretary)


def test_concurrent_payment_of_the_same_month_conflicts(tree, secretary, monkeypatch):
    member = arrears_member(tree, secretary)
    real_filter = Bill.objects.filter

    def racing_filter(*args, **kwargs):
        # the other secretary's payment lands between our read and our update
        if "pk__in" in kwargs:
            Bill.objects.all().update(
                payment=Payment.objects.create(
                    organization=tree.branch,
                    member=member,
                    amount=1,
                    method="CASH",
                    paid_on=NOW.date(),
                    first_month=202601,
                    last_month=202601,
                    months=1,
                    receipt_year=2026,
                    receipt_number=99,
                )
            )
        return real_filter(*args, **kwargs)

    monkeypatch.setattr(Bill.objects, "filter", racing_filter)
    with pytest.raises(Conflict):
        payments.record_payment(member=member, months=[202601], method="CASH", by=secretary)


def test_arrears_at_three_months_and_flag_at_six(tree, secretary):
    member = arrears_member(tree, secretary, months=[202512, *range(202601, 202607)])
    # June is running: December to May are six overdue months.
    dues = queries.member_dues(member)
    assert dues.overdue_months == 6
    assert dues.standing == "LEAVING"
    payments.record_arrears_reason(member=member, reason="长期住院", by=secretary)
    assert queries.member_dues(member).standing == "ARREARS"
    rows, count = queries.arrears_under(tree.xianlin)
    assert count == 1 and rows[0].name == "欠缴" and rows[0].standing == "ARREARS"
    payments.record_payment(
        member=member, months=[202512, 202601, 202602, 202603], method="CASH", by=secretary
    )
    assert queries.member_dues(member).standing == ""
    assert queries.arrears_under(tree.xianlin) == ([], 0)
    assert member.status == "FULL"  # never removed by the platform


def test_two_overdue_months_are_not_arrears(tree, secretary):
    member = arrears_member(tree, secretary, months=range(202604, 202607))
    assert queries.member_dues(member).overdue_months == 2
    assert queries.member_dues(member).standing == ""


def test_totals_roll_up_by_child_organization(tree, secretary, sibling_secretary):
    a = add_member(tree.branch, category="学生")
    add_member(tree.sibling, category="农牧渔民")
    billing.generate_bills(organization=tree.district, month=202606, by=None)
    payments.record_payment(member=a, months=[202606], method="CASH", by=secretary)
    whole, children = queries.subtree_totals(tree.xianlin, 202606)
    assert (whole.expected, whole.collected, whole.billed, whole.paid) == (70, 20, 2, 1)
    assert [(c.organization, c.expected) for c in children] == [(tree.community, 70)]
    _, branches = queries.subtree_totals(tree.community, 202606)
    assert [(c.organization, c.collected) for c in branches] == [
        (tree.branch, 20),
        (tree.sibling, 0),
    ]
    assert billing.refresh_totals(organization=tree.community, month=202606) == 2
    assert MonthTotal.objects.get(organization=tree.branch, month=202606).collected == 20


def test_remittance_once_a_month_to_the_parent(tree, secretary):
    found = payments.record_remittance(
        organization=tree.branch, month=202605, amount=1000, by=secretary
    )
    assert found.to_organization == tree.community
    with pytest.raises(InvalidInput, match="已经登记"):
        payments.record_remittance(organization=tree.branch, month=202605, amount=5, by=secretary)
    assert Remittance.objects.count() == 1


def test_paid_up_to_without_bills_is_none(tree):
    assert queries.paid_up_to(add_member(tree.branch)) is None


def test_the_monthly_task_bills_everyone_once(tree):
    from jiceng.core.scheduler import PERIODIC_TASKS
    from jiceng.dues.tasks import generate_monthly_bills

    assert PERIODIC_TASKS["dues_bills"] == "jiceng.dues.tasks.generate_monthly_bills"
    add_member(tree.branch, category="学生")
    add_member(tree.yaohua_branch, category="农牧渔民")
    assert generate_monthly_bills.call() == 2
    assert generate_monthly_bills.call() == 0
    assert set(Bill.objects.values_list("month", flat=True)) == {202606}


def counted_from_the_bills(organization, month):
    """The month of a subtree counted straight from the bills: what the rollup must give."""
    bills = Bill.objects.filter(under(organization.path, "organization__path"), month=month)
    return (
        sum(b.amount for b in bills),
        sum(b.amount for b in bills if b.payment_id is not None),
        len(bills),
        sum(1 for b in bills if b.payment_id is not None or b.amount == 0),
    )


def test_subtree_totals_agree_with_the_bills_at_every_organization(tree, secretary):
    """SubtreeTotal, kept by billing, payments and a reduction's rebilling, gives at every
    organization of the tree what a plain count of the subtree's bills gives."""
    student = add_member(tree.branch, category="学生", name="学生")
    worker = add_member(tree.branch, name="在岗")
    add_member(tree.sibling, category="农牧渔民")
    yaohua = add_member(tree.yaohua_branch, category="学生")
    add_member(tree.community, category="学生")  # a committee's own member
    bases.set_base(member=worker, year=2026, base=600_000, by=secretary)
    billing.generate_bills(organization=tree.branch, month=202605, by=None)  # one branch first
    for month in (202605, 202606):
        billing.generate_bills(organization=None, month=month, by=None)
    payments.record_payment(member=student, months=[202605, 202606], method="CASH", by=secretary)
    payments.record_payment(member=yaohua, months=[202606], method="CASH", by=None)
    bases.approve_reduction(member=worker, year=2026, amount=0, reason="重病", by=secretary)
    billing.refresh_totals(organization=tree.community, month=202605)
    organizations = [
        tree.root, tree.province, tree.city, tree.district, tree.xianlin, tree.community,
        tree.branch, tree.sibling, tree.yaohua, tree.yaohua_branch,
    ]  # fmt: skip
    for month in (202605, 202606):
        for organization in organizations:
            whole, children = queries.subtree_totals(organization, month)
            found = (whole.expected, whole.collected, whole.billed, whole.paid)
            assert found == counted_from_the_bills(organization, month), (organization, month)
            for child in children:
                found = (child.expected, child.collected, child.billed, child.paid)
                assert found == counted_from_the_bills(child.organization, month)
    assert counted_from_the_bills(tree.root, 202606)[0] > 0


def test_subtree_totals_read_two_rows_whatever_the_subtree(tree, django_assert_max_num_queries):
    add_member(tree.branch, category="学生")
    billing.generate_bills(organization=None, month=202606, by=None)
    with django_assert_max_num_queries(3):  # the children, their rollup rows, the remittances
        queries.subtree_totals(tree.root, 202606)
