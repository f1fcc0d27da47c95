"""The dues pages and API: who opens what, the forms, the receipt, Excel in and out."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from jiceng.core import clock
from jiceng.dues import bases, billing, payments
from jiceng.dues.models import Bill, DuesBase, Payment, Remittance
from jiceng.testing.personas import add_member, verified_client

NOW = dt.datetime(2026, 6, 10, 10, tzinfo=clock.CHINA)


@pytest.fixture(autouse=True)
def frozen():
    with clock.frozen(NOW):
        yield


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def owing(tree):
    """吴刚, a student member of the first branch, billed since March, nothing paid."""
    member = add_member(tree.branch, name="吴刚", category="学生")
    for month in (202603, 202604, 202605, 202606):
        billing.generate_bills(organization=tree.branch, month=month, by=None)
    return member


def test_member_sees_own_dues_and_arrears(tree, member_user):
    bases.set_base(member=member_user.member, year=2026, base=300_000, by=None)
    for month in (202602, 202603, 202604, 202605, 202606):
        billing.generate_bills(organization=tree.branch, month=month, by=None)
    page = signed_in(member_user).get(reverse("dues:home"), follow=True)
    text = page.content.decode()
    assert page.status_code == 200
    assert "我的党费" in text
    assert "4个月逾期未交纳党费" in text
    assert "收缴党费" not in text  # no payment form for the member
    home = signed_in(member_user).get(reverse("web:home")).content.decode()
    assert "我的党费" in home and reverse("dues:member", args=[member_user.member_id]) in home


def test_this_months_bill_unpaid_is_not_called_no_bill(tree, member_user):
    bases.set_base(member=member_user.member, year=2026, base=300_000, by=None)
    billing.generate_bills(organization=tree.branch, month=202606, by=None)
    home = signed_in(member_user).get(reverse("web:home")).content.decode()
    assert "<strong>1</strong><span>未缴月数</span>" in home
    assert "没有逾期未交的党费" in home and "暂无党费账单" not in home


def test_authorization_matrix_of_a_member_page(
    tree, owing, secretary, sibling_secretary, member_user, street_official
):
    url = reverse("dues:member", args=[owing.pk])
    assert Client().get(url).status_code == 302  # to sign-in
    assert signed_in(sibling_secretary).get(url).status_code == 404
    assert signed_in(member_user).get(url).status_code == 404  # another member's
    assert signed_in(secretary).get(url).status_code == 200
    assert signed_in(street_official).get(url).status_code == 200


def test_secretary_records_a_payment_and_prints_the_receipt(tree, owing, secretary):
    client = signed_in(secretary)
    response = client.post(
        reverse("dues:pay", args=[owing.pk]),
        {"months": ["2026-03", "2026-04"], "method": "CASH", "paid_on": "2026-06-09"},
        follow=True,
    )
    assert "收据号2026-0001" in response.content.decode()
    payment = Payment.objects.get()
    assert payment.amount == 40
    receipt = client.get(reverse("dues:receipt", args=[payment.pk])).content.decode()
    assert "党费收据" in receipt and "人民币 0.40 元" in receipt and "@media print" not in receipt
    assert "dues/dues.css" in receipt


def test_a_refused_payment_says_why_on_the_page(tree, owing, secretary):
    response = signed_in(secretary).post(
        reverse("dues:pay", args=[owing.pk]),
        {"months": ["2026-04"], "method": "TRANSFER"},
        follow=True,
    )
    assert "转账缴纳须填写转账凭证号" in response.content.decode()
    assert not Payment.objects.exists()


def test_base_form_refuses_an_absurd_base(tree, secretary):
    member = add_member(tree.branch)
    response = signed_in(secretary).post(
        reverse("dues:set_base", args=[member.pk]), {"year": "2026", "base": "2000000"}, follow=True
    )
    assert "录入错误" in response.content.decode()
    assert not DuesBase.objects.exists()
    signed_in(secretary).post(
        reverse("dues:set_base", args=[member.pk]), {"year": "2026", "base": "6,500"}
    )
    assert DuesBase.objects.get().standard_amount == 9750


def test_branch_page_shows_arrears_and_the_secretary_workbench_panel(tree, owing, secretary):
    page = signed_in(secretary).get(reverse("dues:branch", args=[tree.branch.pk])).content.decode()
    assert "吴刚" in page and "欠缴" in page and "3个月" in page
    home = signed_in(secretary).get(reverse("web:home")).content.decode()
    assert "党费收缴" in home and "逾期3个月" in home


def test_department_sees_subtree_totals_and_the_flagged(tree, street_official, secretary):
    member = add_member(tree.branch, name="赵六", category="学生")
    for month in (202512, 202601, 202602, 202603, 202604, 202605, 202606):
        billing.generate_bills(organization=tree.xianlin, month=month, by=None)
    page = signed_in(street_official).get(reverse("dues:totals", args=[tree.xianlin.pk]))
    text = page.content.decode()
    assert "中共仙林街道文苑社区委员会" in text and "赵六" in text and "自行脱党" in text
    home = signed_in(street_official).get(reverse("web:home")).content.decode()
    assert "党费汇总" in home and "赵六" in home
    payments.record_arrears_reason(member=member, reason="长期住院", by=secretary)
    home = signed_in(street_official).get(reverse("web:home")).content.decode()
    assert "赵六" not in home


def test_generate_from_the_page_is_idempotent(tree, secretary):
    add_member(tree.branch, category="学生")
    url = reverse("dues:generate", args=[tree.branch.pk])
    signed_in(secretary).post(url, {"month": "2026-06"})
    signed_in(secretary).post(url, {"month": "2026-06"})
    assert Bill.objects.count() == 1


def test_top_bar_link_only_for_roles_that_open_it(tree, secretary, system_admin):
    link = f'href="{reverse("dues:home")}"'
    assert link in signed_in(secretary).get(reverse("web:home")).content.decode()
    assert link not in verified_client(system_admin).get(reverse("web:home")).content.decode()


def workbook(headers, rows) -> io.BytesIO:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    out.name = "in.xlsx"
    return out


def id_of(member) -> str:
    from jiceng.core import crypto
    from jiceng.members.services import ID_FIELD

    return crypto.unseal(member.id_number_sealed, field=ID_FIELD)


def test_bases_import_all_or_nothing(tree, secretary):
    a = add_member(tree.branch, name="甲")
    b = add_member(tree.branch, name="乙")
    client = signed_in(secretary)
    bad = workbook(
        ["身份证号", "姓名", "年度", "月基数", "享受低保", "自选定额"],
        [[id_of(a), "甲", 2026, 6500, "否", None], [id_of(b), "乙", 2026, -5, "否", None]],
    )
    page = client.post(reverse("dues:import_bases"), {"org": tree.branch.pk, "file": bad})
    text = page.content.decode()
    assert "导入失败" in text and "不能为负数" in text
    assert not DuesBase.objects.exists()
    good = workbook(
        ["身份证号", "姓名", "年度", "月基数"],
        [[id_of(a), "甲", 2026, 6500], [id_of(b), "乙", 2026, "3000.50"]],
    )
    page = client.post(reverse("dues:import_bases"), {"org": tree.branch.pk, "file": good})
    assert "导入成功：2" in page.content.decode()
    assert DuesBase.objects.get(member=b).base == 300050


def test_payments_import_and_export_round_trip(tree, owing, secretary):
    client = signed_in(secretary)
    template = client.get(reverse("dues:payments_template"))
    assert openpyxl.load_workbook(io.BytesIO(template.content)).sheetnames[0] == "党费缴纳"
    wrong = workbook(
        ["身份证号", "姓名", "起始月份", "截止月份", "缴纳方式"],
        [
            [id_of(owing), "吴刚", "2026-03", "2026-04", "现金"],
            [id_of(owing), "吴刚", "2026-04", "", "现金"],
        ],
    )
    page = client.post(reverse("dues:import_payments"), {"org": tree.branch.pk, "file": wrong})
    assert "导入失败" in page.content.decode()
    assert not Payment.objects.exists()  # the first row rolled back with the second
    right = workbook(
        ["身份证号", "姓名", "起始月份", "截止月份", "缴纳方式", "转账凭证号"],
        [[id_of(owing), "吴刚", "2026-03", "2026-05", "转账", "TX9"]],
    )
    page = client.post(reverse("dues:import_payments"), {"org": tree.branch.pk, "file": right})
    assert "导入成功：1" in page.content.decode()
    exported = client.get(reverse("dues:export", args=[tree.branch.pk]) + "?year=2026")
    book = openpyxl.load_workbook(io.BytesIO(exported.content))
    rows = list(book["2026年党费"].iter_rows(values_only=True))
    assert rows[1][0] == "吴刚"
    assert rows[1][6] == "0.20" and rows[1][9] == "0.20（未缴）"  # March paid, June not
    assert list(book["缴纳记录"].iter_rows(values_only=True))[1][0] == "2026-0001"


def test_api_pay_and_read(tree, owing, secretary, member_user):
    client = signed_in(secretary)
    url = f"/api/v1/dues/members/{owing.pk}/payments"
    refused = client.post(
        url, {"months": ["2026-03"], "method": "TRANSFER"}, content_type="application/json"
    )
    assert refused.status_code == 400 and "凭证号" in refused.json()["detail"]
    done = client.post(
        url, {"months": ["2026-03", "2026-04"], "method": "CASH"}, content_type="application/json"
    )
    assert done.status_code == 201 and done.json()["receipt_number"] == "2026-0001"
    again = client.post(
        url, {"months": ["2026-03"], "method": "CASH"}, content_type="application/json"
    )
    assert again.status_code == 400
    read = client.get(f"/api/v1/dues/members/{owing.pk}").json()
    assert read["paid_up_to"] == "2026-04-30" and read["overdue_months"] == 1
    assert signed_in(member_user).get(f"/api/v1/dues/members/{owing.pk}").status_code == 404
    base = client.put(
        f"/api/v1/dues/members/{owing.pk}/base",
        {"year": 2026, "base": 500_000},
        content_type="application/json",
    )
    assert base.status_code == 200  # a student pays the fixed sum: the base plays no part
    assert base.json()["monthly_amount"] == 20 and base.json()["base"] is None
    totals = client.get(f"/api/v1/dues/organizations/{tree.branch.pk}/totals?month=2026-03").json()
    assert totals["total"]["collected"] == 20


def test_api_refuses_a_negative_base(tree, secretary):
    member = add_member(tree.branch)
    response = signed_in(secretary).put(
        f"/api/v1/dues/members/{member.pk}/base",
        {"year": 2026, "base": -100},
        content_type="application/json",
    )
    assert response.status_code == 400 and "不能为负数" in response.json()["detail"]


def test_openapi_documents_dues():
    from jiceng.config.api import api

    schema = api.get_openapi_schema()
    assert "/api/v1/dues/members/{member_id}/payments" in schema["paths"]


def test_a_committee_remits_its_subtree_month_upward(tree, street_official):
    client = signed_in(street_official)
    page = client.get(reverse("dues:totals", args=[tree.community.pk])).content.decode()
    assert 'id="remit-form"' in page
    client.post(
        reverse("dues:remit", args=[tree.community.pk]), {"month": "2026-05", "amount": "12.50"}
    )
    found = Remittance.objects.get()
    assert (found.to_organization, found.amount, found.month) == (tree.xianlin, 1250, 202605)
    parent = client.get(reverse("dues:totals", args=[tree.xianlin.pk]) + "?month=2026-05")
    assert "12.50" in parent.content.decode()  # its row in the parent's table: 已上缴


def test_api_needs_a_signed_in_user_in_scope(tree, owing, sibling_secretary):
    assert Client().get(f"/api/v1/dues/members/{owing.pk}").status_code == 401
    other = signed_in(sibling_secretary)
    assert other.get(f"/api/v1/dues/members/{owing.pk}").status_code == 404
    refused = other.post(
        f"/api/v1/dues/members/{owing.pk}/payments",
        {"months": ["2026-03"], "method": "CASH"},
        content_type="application/json",
    )
    assert refused.status_code == 404
    assert not Payment.objects.exists()
