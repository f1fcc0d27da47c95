"""The dues part of the synthetic data set, on the persona tree."""

from __future__ import annotations

import datetime as dt

from django.db import connection

from jiceng.core import clock
from jiceng.datasets.dues import seed_dues
from jiceng.dues import queries, rates
from jiceng.dues.models import Bill, DuesBase, MonthTotal, Payment
from jiceng.testing.personas import Tree, add_member

AS_OF = dt.date(2026, 6, 20)


def test_a_year_of_dues_with_arrears_then_nothing_more(tree: Tree):
    for org in (tree.branch, tree.sibling, tree.yaohua_branch):
        for n in range(30):
            add_member(
                org, name=f"党员{n:02d}", category=("在岗职工", "离退休人员", "农牧渔民")[n % 3]
            )
    result = seed_dues(as_of=AS_OF, seed=5, behind=frozenset({tree.branch.pk}))
    assert result.bills == Bill.objects.count() == 90 * 12
    assert result.bases == DuesBase.objects.count() == 60 * 2  # 2025 and 2026
    assert result.payments == Payment.objects.count() > 90 * 3
    with clock.frozen(dt.datetime.combine(AS_OF, dt.time(9), tzinfo=clock.CHINA)):
        rows, count = queries.arrears_under(tree.branch)
        assert count >= 2
        assert {r.overdue_months for r in rows} >= {4, 7}
        leaving, _ = queries.arrears_under(tree.branch, leaving_only=True)
        assert [r.name for r in leaving][:1] == ["党员01"]  # seven months: flagged
    # every paid bill's payment covers it, with the same amount in all
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.id, p.amount, SUM(b.amount) FROM dues_payment p "
            "JOIN dues_bill b ON b.payment_id = p.id GROUP BY p.id, p.amount"
        )
        assert all(amount == total for _, amount, total in cursor.fetchall())
    # the totals agree with the bills, and receipts count up per organization and year
    total = MonthTotal.objects.get(organization=tree.branch, month=202605)
    bills = Bill.objects.filter(organization=tree.branch, month=202605)
    assert total.expected == sum(b.amount for b in bills)
    assert total.collected == sum(b.amount for b in bills if b.payment_id)
    numbers = sorted(
        Payment.objects.filter(organization=tree.branch, receipt_year=2026).values_list(
            "receipt_number", flat=True
        )
    )
    assert numbers == list(range(1, len(numbers) + 1))
    paid = Bill.objects.filter(payment__isnull=False).select_related("member").first()
    assert paid is not None
    paid_to = queries.paid_up_to(paid.member)
    assert paid_to is not None and rates.month_of(paid_to) <= 202606
    again = seed_dues(as_of=AS_OF, seed=5)
    assert again.bills == 0 and Bill.objects.count() == 90 * 12
