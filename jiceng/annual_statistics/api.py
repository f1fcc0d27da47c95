"""/api/v1/statistics: the annual statistics (党内统计年报) of an organization's subtree as of
31 December of a year, each figure with the key of the list behind it."""

from __future__ import annotations

from typing import Annotated

from ninja import Field, Query, Router, Schema

from jiceng.accounts.access import api_requires
from jiceng.accounts.requests import AuthedRequest
from jiceng.core.schemas import Error, PathId

from . import queries

router = Router(tags=["statistics"])


class AnnualCellOut(Schema):
    value: int
    key: str = Field(description="该数字背后名单的键（页面 /statistics/org/{org}/list/{key}/）")


class AnnualLineOut(Schema):
    label: str
    cells: list[AnnualCellOut]


class AnnualTableOut(Schema):
    number: str
    title: str
    unit: str
    columns: list[str]
    lines: list[AnnualLineOut]
    note: str = Field("", description="本表平台记录不能回答的部分（如民主评议结果）")


class AnnualReportOut(Schema):
    organization_id: int
    organization: str
    year: int
    as_of: str
    tables: list[AnnualTableOut]


class AnnualYearQuery(Schema):
    year: int | None = Field(None, ge=1900, le=9999, description="年度；默认上一年")


@router.get("/{org}", response={200: AnnualReportOut, 400: Error, 403: Error, 404: Error})
@api_requires(queries.PERMISSION)
def annual_report(
    request: AuthedRequest, org: PathId, query: Annotated[AnnualYearQuery, Query()]
) -> AnnualReportOut:
    """党内统计年报：某党组织（须在用户范围内）及其下级，截至该年12月31日。"""
    organization = queries.access_organization(request.user, org)
    year = queries.check_year(query.year)
    found = queries.report(organization, year)
    return AnnualReportOut(
        organization_id=organization.pk,
        organization=organization.name,
        year=year,
        as_of=found.as_of.isoformat(),
        tables=[
            AnnualTableOut(
                number=t.number,
                title=t.title,
                unit=t.unit,
                note=t.note,
                columns=t.columns,
                lines=[
                    AnnualLineOut(
                        label=line.label,
                        cells=[AnnualCellOut(value=c.value, key=c.key) for c in line.cells],
                    )
                    for line in t.lines
                ],
            )
            for t in found.tables
        ],
    )
