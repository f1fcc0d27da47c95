"""/api/v1/posts: responsibility posts (党员责任岗/示范岗) through the same queries and
services as the pages. The public page is a page, not an API route."""

from __future__ import annotations

from django.urls import reverse
from ninja import Field, Router, Schema, Status

from jiceng.accounts.access import api_requires
from jiceng.accounts.permissions import Permission
from jiceng.accounts.requests import AuthedRequest
from jiceng.core.errors import not_found
from jiceng.core.schemas import MAX_ID, Error, PathId
from jiceng.members.models import Member
from jiceng.orgs.queries import access_organization

from . import queries, services
from .models import PostKind, ResponsibilityPost

P = Permission
router = Router(tags=["posts"])


class ResponsibilityPostOut(Schema):
    id: int
    organization_id: int
    kind: PostKind
    name: str
    place: str
    duty: str
    sign: str
    holder_id: int
    holder_name: str
    is_active: bool
    public_path: str = Field(description="公开页（二维码指向）的路径")


def _out(p: ResponsibilityPost) -> ResponsibilityPostOut:
    return ResponsibilityPostOut(
        id=p.pk,
        organization_id=p.organization_id,
        kind=PostKind(p.kind),
        name=p.name,
        place=p.place,
        duty=p.duty,
        sign=p.sign,
        holder_id=p.holder_id,
        holder_name=p.holder.name,
        is_active=p.is_active,
        public_path=reverse("posts:public", args=[p.key]),
    )


@router.get(
    "/organizations/{org_id}",
    response={200: list[ResponsibilityPostOut], 403: Error, 404: Error},
    summary="An organization's posts",
)
@api_requires(P.VIEW_ORGANIZATIONS)
def organization_posts(request: AuthedRequest, org_id: PathId) -> list[ResponsibilityPostOut]:
    organization = access_organization(request.user, org_id)
    return [_out(p) for p in queries.posts_of(organization)]


class ResponsibilityPostIn(Schema):
    organization_id: int = Field(ge=1, le=MAX_ID)
    kind: str = Field(description="RESPONSIBILITY 责任岗 / MODEL 示范岗")
    name: str = Field(max_length=60)
    place: str = Field(default="", max_length=120)
    duty: str = Field(max_length=500)
    sign: str = Field(max_length=100)
    holder_id: int = Field(ge=1, le=MAX_ID)


def _holder(pk: int) -> Member | None:
    return Member.objects.select_related("organization").filter(pk=pk).first()


@router.post(
    "", response={201: ResponsibilityPostOut, 400: Error, 403: Error, 404: Error}, summary="设岗"
)
@api_requires(queries.MANAGE)
def post_create(
    request: AuthedRequest, payload: ResponsibilityPostIn
) -> Status[ResponsibilityPostOut]:
    organization = access_organization(request.user, payload.organization_id)
    if not queries.may_manage(request.user, organization):
        raise not_found("党组织")
    post = services.set_up_post(
        organization=organization,
        kind=payload.kind,
        name=payload.name,
        place=payload.place,
        duty=payload.duty,
        sign=payload.sign,
        holder=_holder(payload.holder_id),
        by=request.user,
    )
    return Status(201, _out(post))


@router.get("/{post_id}", response={200: ResponsibilityPostOut, 403: Error, 404: Error})
@api_requires(P.VIEW_ORGANIZATIONS)
def post_detail(request: AuthedRequest, post_id: PathId) -> ResponsibilityPostOut:
    return _out(queries.access_post(request.user, post_id))


class PostHolderIn(Schema):
    holder_id: int = Field(ge=1, le=MAX_ID)


@router.post(
    "/{post_id}/holder",
    response={200: ResponsibilityPostOut, 400: Error, 403: Error, 404: Error},
    summary="换岗",
)
@api_requires(queries.MANAGE)
def post_holder(
    request: AuthedRequest, post_id: PathId, payload: PostHolderIn
) -> ResponsibilityPostOut:
    post = queries.access_managed_post(request.user, post_id)
    services.change_holder(post=post, holder=_holder(payload.holder_id), by=request.user)
    return _out(queries.access_post(request.user, post_id))


@router.post(
    "/{post_id}/close",
    response={200: ResponsibilityPostOut, 403: Error, 404: Error, 409: Error},
    summary="撤岗",
)
@api_requires(queries.MANAGE)
def post_close(request: AuthedRequest, post_id: PathId) -> ResponsibilityPostOut:
    post = queries.access_managed_post(request.user, post_id)
    services.close_post(post=post, by=request.user)
    return _out(queries.access_post(request.user, post_id))
