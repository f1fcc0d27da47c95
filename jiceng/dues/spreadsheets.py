"""Excel in and out for dues: bases and payments in (all rows or none, each problem with its
row and column in Chinese), a branch's bills and payments of a year out.

A row names its member by ID number (the blind index finds them, the number never goes into a
query) and by name, which must agree; the member must belong to the organization imported into
or one below it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import IO

from django.db import transaction

from jiceng.accounts.models import User
from jiceng.core import audit, clock, excel, idnumbers
from jiceng.core.errors import DomainError, InvalidInput
from jiceng.core.excel import Column, ImportResult, RowError
from jiceng.core.paths import is_under
from jiceng.members.models import Member
from jiceng.members.services import id_number_digest
from jiceng.orgs.models import Organization

from . import bases, payments, rates
from .checks import check_can_manage_dues
from .models import Bill, DuesBase, Payment, PaymentMethod
from .tables import table_for

YES_NO = ("是", "否")
MEMBER_COLUMNS = (
    Column("id_number", "身份证号", required=True, text=True, width=21, help="18位，文本格式"),
    Column("name", "姓名", required=True, width=10, help="须与该身份证号登记的姓名一致"),
)
BASE_COLUMNS: tuple[Column, ...] = (
    *MEMBER_COLUMNS,
    Column("year", "年度", required=True, width=8, help="如 2026"),
    Column(
        "base",
        "月基数",
        note="元",
        width=12,
        help="在岗职工、离退休人员必填：每月税后固定工资收入，单位元，可有两位小数",
    ),
    Column("subsistence", "享受低保", choices=YES_NO, width=10, help="不填视为“否”"),
    Column(
        "fixed_amount", "自选定额", note="元", width=10, help="农牧渔民可填0.2至1元，不填为0.5元"
    ),
)
PAYMENT_COLUMNS: tuple[Column, ...] = (
    *MEMBER_COLUMNS,
    Column("first_month", "起始月份", required=True, width=10, help="如 2026-01"),
    Column("last_month", "截止月份", width=10, help="不填即只缴起始月份"),
    Column("method", "缴纳方式", required=True, choices=("现金", "转账"), width=10),
    Column("reference", "转账凭证号", text=True, width=20, help="转账必填"),
    Column("paid_on", "缴纳日期", width=12, help="如 2026-03-05；不填为今天"),
)
METHODS = {"现金": PaymentMethod.CASH.value, "转账": PaymentMethod.TRANSFER.value}


def bases_template() -> bytes:
    return excel.write_template(
        title="党费基数",
        columns=BASE_COLUMNS,
        example=["320113198506011234", "张红梅", clock.today().year, "6500", "否", ""],
        notes=[
            "1. 每行一名党员、一个年度；同一党员同一年度已有基数的，以本次导入为准。",
            "2. 月基数为每月税后固定工资收入（不含个人所得税、社会保险、住房公积金等），单位元。",
            "3. 逐行检查，只要有一行有错，整个文件都不会导入。",
        ],
    )


def payments_template() -> bytes:
    return excel.write_template(
        title="党费缴纳",
        columns=PAYMENT_COLUMNS,
        example=["320113198506011234", "张红梅", "2026-01", "2026-03", "转账", "TX2026030501", ""],
        notes=[
            "1. 每行一笔缴纳，可一次缴纳起始月份至截止月份的各月；各月须已生成账单且未缴。",
            "2. 逐行检查，只要有一行有错，整个文件都不会导入；每笔缴纳生成一张收据。",
        ],
    )


def _members_of(
    rows: list[tuple[int, dict[str, object]]], into: Organization
) -> dict[bytes, Member]:
    digests = []
    for _, raw in rows:
        number = idnumbers.normalize(excel.text_of(raw.get("id_number", "")))
        if number:
            digests.append(id_number_digest(number))
    found: dict[bytes, Member] = {}
    for start in range(0, len(digests), 500):
        for m in Member.objects.filter(
            id_number_digest__in=digests[start : start + 500]
        ).select_related("organization"):
            found[bytes(m.id_number_digest)] = m
    return found


def _member_of(
    raw: dict[str, object],
    into: Organization,
    members: dict[bytes, Member],
    problems: dict[str, str],
) -> Member | None:
    if isinstance(raw.get("id_number"), float):
        problems["id_number"] = "身份证号被Excel存成了数字，后几位已经丢失；请设为文本格式后重填"
        return None
    number = idnumbers.normalize(excel.text_of(raw.get("id_number", "")))
    member = members.get(id_number_digest(number)) if number else None
    if member is None or not is_under(member.organization.path, into.path):
        problems["id_number"] = f"“{into.name}”及其下级中没有登记这个身份证号的党员"
        return None
    name = excel.text_of(raw.get("name", "")).replace(" ", "")
    if name != member.name:
        problems["name"] = f"姓名与该身份证号登记的姓名“{member.name}”不一致"
        return None
    return member


def _errors(number: int, problems: dict[str, str], columns: tuple[Column, ...]) -> list[RowError]:
    headers = {c.key: c.header for c in columns}
    return [RowError(number, headers.get(k, ""), m) for k, m in problems.items()]


def _fen(raw: dict[str, object], key: str, problems: dict[str, str]) -> int | None:
    value = raw.get(key, "")
    if value in ("", None):
        return None
    try:
        if isinstance(value, int | float):
            return round(float(value) * 100)
        return rates.fen_of(str(value))
    except ValueError:
        problems[key] = "应填写金额（元），如 6500 或 6500.50"
        return None


def import_bases(file: IO[bytes], *, into: Organization, by: User) -> ImportResult:
    """党费基数批量导入: every row's base, or none."""
    check_can_manage_dues(by, into)
    rows = list(excel.read_rows(file, BASE_COLUMNS))
    if not rows:
        return ImportResult(errors=[RowError(None, "", "文件中没有数据：请从第2行起填写")])
    members = _members_of(rows, into)
    tables: dict[int, list[rates.RateRow]] = {}
    errors: list[RowError] = []
    checked: list[bases.BaseInput] = []
    seen: dict[tuple[int, int], int] = {}
    for number, raw in rows:
        problems: dict[str, str] = {}
        member = _member_of(raw, into, members, problems)
        year_text = excel.text_of(raw.get("year", "")).removesuffix("年").removesuffix(".0")
        year = int(year_text) if year_text.isdigit() else None
        if year is None:
            problems["year"] = "年度应为四位数字，如 2026"
        base = _fen(raw, "base", problems)
        fixed = _fen(raw, "fixed_amount", problems)
        if member is not None and year is not None and not problems:
            if (member.pk, year) in seen:
                problems["id_number"] = f"与第{seen[member.pk, year]}行是同一党员同一年度"
            else:
                seen[member.pk, year] = number
                try:
                    checked.append(
                        bases.check_base_input(
                            member=member,
                            year=year,
                            base=base,
                            fixed_amount=fixed,
                            on_subsistence=excel.text_of(raw.get("subsistence", "")) == "是",
                            table=tables.setdefault(year, table_for(year)),
                        )
                    )
                except InvalidInput as exc:
                    for key, message in (exc.fields or {"": exc.message}).items():
                        problems[key] = message
        errors += _errors(number, problems, BASE_COLUMNS)
    if errors:
        return ImportResult(errors=errors)
    bases.save_bases(checked, by=by)
    return ImportResult(created=len(checked))


def import_payments(file: IO[bytes], *, into: Organization, by: User) -> ImportResult:
    """党费缴纳批量导入: every row's payment (with its receipt), or none."""
    check_can_manage_dues(by, into)
    rows = list(excel.read_rows(file, PAYMENT_COLUMNS))
    if not rows:
        return ImportResult(errors=[RowError(None, "", "文件中没有数据：请从第2行起填写")])
    members = _members_of(rows, into)
    errors: list[RowError] = []
    created = 0
    with transaction.atomic():
        for number, raw in rows:
            problems: dict[str, str] = {}
            member = _member_of(raw, into, members, problems)
            try:
                first = rates.parse_month(excel.text_of(raw.get("first_month", ""))[:7])
            except ValueError:
                problems["first_month"] = "月份格式应为 2026-01"
                first = 0
            last_text = excel.text_of(raw.get("last_month", ""))[:7]
            try:
                last = rates.parse_month(last_text) if last_text else first
            except ValueError:
                problems["last_month"] = "月份格式应为 2026-03"
                last = first
            if first and last < first:
                problems["last_month"] = "截止月份不能早于起始月份"
            method = METHODS.get(excel.text_of(raw.get("method", "")), "")
            if not method:
                problems["method"] = "请填写“现金”或“转账”"
            paid = raw.get("paid_on", "")
            paid_on = excel.date_of(paid) if paid not in ("", None) else clock.today()
            if not isinstance(paid_on, dt.date):
                problems["paid_on"] = "日期格式应为 2026-03-05"
            if member is not None and not problems:
                months, month = [], first
                while month <= last:
                    months.append(month)
                    month = rates.add_months(month, 1)
                try:
                    with transaction.atomic():
                        payments.record_payment(
                            member=member,
                            months=months,
                            method=method,
                            reference=excel.text_of(raw.get("reference", "")),
                            paid_on=paid_on,  # type: ignore[arg-type]
                            by=by,
                        )
                    created += 1
                except DomainError as exc:
                    fields = getattr(exc, "fields", None) or {"": exc.message}
                    for key, message in fields.items():
                        problems[key if key != "months" else "first_month"] = (
                            exc.message if key in ("", "months") else message
                        )
            errors += _errors(number, problems, PAYMENT_COLUMNS)
        if errors:
            transaction.set_rollback(True)  # nothing half-written
            return ImportResult(errors=errors)
    return ImportResult(created=created)


# -- out --------------------------------------------------------------------------------------


def export_year(organization: Organization, year: int, *, by: User) -> bytes:
    """A branch's year: one row per member with each month's amount and whether paid, and a
    second sheet of the payments with their receipts."""
    check_can_manage_dues(by, organization)
    months = [year * 100 + m for m in range(1, 13)]
    bills = Bill.objects.filter(
        organization=organization, month__gte=months[0], month__lte=months[-1]
    ).values_list("member_id", "month", "amount", "payment_id")
    by_member: dict[int, dict[int, tuple[int, bool]]] = {}
    for member_id, month, amount, payment_id in bills.iterator(chunk_size=5000):
        by_member.setdefault(member_id, {})[month] = (amount, payment_id is not None or amount == 0)
    members = {m.pk: m for m in Member.objects.filter(pk__in=list(by_member)).order_by("name")}
    base_of = dict(
        DuesBase.objects.filter(member_id__in=list(by_member), year=year).values_list(
            "member_id", "base"
        )
    )

    def bill_rows() -> Iterator[list[object]]:
        for pk, m in sorted(members.items(), key=lambda kv: (kv[1].name, kv[0])):
            cells: list[object] = [m.name, m.id_number_masked, m.get_category_display()]
            base = base_of.get(pk)
            cells.append(float(rates.yuan(base)) if base is not None else "")
            owed = paid = 0
            for month in months:
                found = by_member[pk].get(month)
                if found is None:
                    cells.append("")
                    continue
                amount, settled = found
                cells.append(f"{rates.yuan(amount)}{'' if settled else '（未缴）'}")
                owed += amount
                paid += amount if settled else 0
            cells += [float(rates.yuan(owed)), float(rates.yuan(paid))]
            yield cells

    def payment_rows() -> Iterator[list[object]]:
        listed = Payment.objects.filter(
            organization=organization, receipt_year=year
        ).select_related("member")
        for p in listed.order_by("receipt_number"):
            yield [
                p.receipt_label,
                p.member.name,
                f"{rates.format_month(p.first_month)}至{rates.format_month(p.last_month)}",
                float(rates.yuan(p.amount)),
                p.get_method_display(),
                p.reference,
                p.paid_on,
            ]

    content = excel.write_workbook(
        [
            excel.Sheet(
                title=f"{year}年党费",
                headers=["姓名", "身份证号", "人员类别", "月基数（元）"]
                + [f"{m % 100}月" for m in months]
                + ["应缴合计（元）", "已缴合计（元）"],
                rows=bill_rows(),
                widths=[10, 20, 12, 12] + [10] * 12 + [14, 14],
            ),
            excel.Sheet(
                title="缴纳记录",
                headers=["收据号", "姓名", "月份", "金额（元）", "方式", "凭证号", "缴纳日期"],
                rows=payment_rows(),
                widths=[12, 10, 20, 12, 12, 20, 12],
            ),
        ]
    )
    audit.record(
        audit.AuditEvent.EXPORT,
        action="dues.export_year",
        target=organization,
        detail={"year": year, "rows": len(members)},
        user=by,
    )
    return content
