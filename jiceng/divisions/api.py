"""REST API of the divisions (行政区划), mounted at /api/v1/divisions."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.params import P, QueryEx

from jiceng.accounts.access import api_signed_in
from jiceng.core.errors import InvalidInput
from jiceng.core.schemas import Error
from jiceng.divisions import queries
from jiceng.divisions.models import Division

router = Router(tags=["行政区划"])


class DivisionOut(Schema):
    code: str = Field(description="12位区划代码", examples=["320113007000"])
    name: str = Field(examples=["仙林街道"])
    level: int = Field(ge=1, le=5, description="级别：1省 2地 3县 4乡 5村")
    parent_code: str | None = Field(description="上级的12位区划代码；省级为空")
    short_code: str = Field(description="去掉末尾补零的代码", examples=["320113007"])

    @staticmethod
    def resolve_parent_code(obj: Division) -> str | None:
        return obj.parent_id


@router.get(
    "",
    response={200: list[DivisionOut], 400: Error, 404: Error},
    summary="搜索行政区划（不带q时列出省级）",
)
@api_signed_in
def list_divisions(
    request: HttpRequest,
    q: QueryEx[str | None, P(description="名称中的文字，如“仙林”")] = None,
    under: QueryEx[str | None, P(description="只在这个区划之内搜索（其代码）")] = None,
    limit: QueryEx[int, P(ge=1, le=queries.SEARCH_LIMIT_MAX)] = 20,
) -> list[Division]:
    if q is None or not q.strip():
        if under is not None:
            raise InvalidInput("参数under只用于搜索，请同时提供q")
        return queries.provinces()
    return queries.search(name=q, limit=limit, under=under)


@router.get("/{code}", response={200: DivisionOut, 404: Error}, summary="按代码查看行政区划")
@api_signed_in
def get_division(request: HttpRequest, code: str) -> Division:
    return queries.get_division(code=code)


@router.get(
    "/{code}/children", response={200: list[DivisionOut], 404: Error}, summary="下级行政区划"
)
@api_signed_in
def list_children(request: HttpRequest, code: str) -> list[Division]:
    return queries.children(code=code)


@router.get(
    "/{code}/ancestors",
    response={200: list[DivisionOut], 404: Error},
    summary="上级行政区划（从省级起）",
)
@api_signed_in
def list_ancestors(request: HttpRequest, code: str) -> list[Division]:
    return queries.ancestors(code=code)
