"""Writes of responsibility posts (设岗、定责、亮牌): each post held by an active member of
the organization that sets it up (or of one below it)."""

from __future__ import annotations

import secrets

from django.db import transaction

from jiceng.accounts.models import User
from jiceng.core import audit, clock
from jiceng.core.errors import Conflict, InvalidInput
from jiceng.core.paths import is_under
from jiceng.members.models import Member
from jiceng.orgs.models import Organization

from .models import PostKind, ResponsibilityPost


def check_post_fields(
    *,
    organization: Organization,
    kind: str,
    name: str,
    duty: str,
    sign: str,
    place: str,
    holder: Member | None,
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if kind not in PostKind.values:
        errors["kind"] = "请选择岗位类别（责任岗或示范岗）"
    if not name:
        errors["name"] = "请填写岗位名称"
    elif len(name) > 60:
        errors["name"] = "岗位名称不能超过 60 字"
    if not duty:
        errors["duty"] = "请填写岗位职责"
    elif len(duty) > 500:
        errors["duty"] = "岗位职责不能超过 500 字"
    if not sign:
        errors["sign"] = "请填写岗位承诺（亮在岗牌上的一句话）"
    elif len(sign) > 100:
        errors["sign"] = "岗位承诺不能超过 100 字"
    if len(place) > 120:
        errors["place"] = "岗位位置不能超过 120 字"
    if holder is None:
        errors["holder"] = "请选择岗位党员"
    elif not holder.is_active or not is_under(holder.organization.path, organization.path):
        errors["holder"] = "岗位党员须是本组织（或下级组织）的在册党员"
    return errors


@transaction.atomic
def set_up_post(
    *,
    organization: Organization,
    kind: str,
    name: str,
    duty: str,
    sign: str,
    place: str = "",
    holder: Member | None,
    by: User | None,
) -> ResponsibilityPost:
    """设岗: a post with its duty, sign and holder, and the key of its public page."""
    name, duty, sign, place = name.strip(), duty.strip(), sign.strip(), place.strip()
    errors = check_post_fields(
        organization=organization,
        kind=kind,
        name=name,
        duty=duty,
        sign=sign,
        place=place,
        holder=holder,
    )
    if errors:
        raise InvalidInput("；".join(errors.values()), fields=errors)
    assert holder is not None
    now = clock.now()
    post = ResponsibilityPost.objects.create(
        organization=organization,
        kind=kind,
        name=name,
        place=place,
        duty=duty,
        sign=sign,
        holder=holder,
        key=secrets.token_urlsafe(12),
        created_at=now,
        updated_at=now,
    )
    audit.record(audit.AuditEvent.WRITE, action="posts.set_up_post", target=post, user=by)
    return post


@transaction.atomic
def change_holder(*, post: ResponsibilityPost, holder: Member | None, by: User | None) -> None:
    """换岗: another member holds the post (its sign and QR code stay)."""
    errors = check_post_fields(
        organization=post.organization,
        kind=post.kind,
        name=post.name,
        duty=post.duty,
        sign=post.sign,
        place=post.place,
        holder=holder,
    )
    if errors:
        raise InvalidInput("；".join(errors.values()), fields=errors)
    assert holder is not None
    ResponsibilityPost.objects.filter(pk=post.pk).update(holder=holder, updated_at=clock.now())
    audit.record(
        audit.AuditEvent.WRITE,
        action="posts.change_holder",
        target=post,
        user=by,
        detail={"holder": holder.pk},
    )


@transaction.atomic
def close_post(*, post: ResponsibilityPost, by: User | None) -> None:
    """撤岗: the public page no longer opens."""
    closed = ResponsibilityPost.objects.filter(pk=post.pk, is_active=True).update(
        is_active=False, updated_at=clock.now()
    )
    if closed != 1:
        raise Conflict("该岗位已经撤销")
    audit.record(audit.AuditEvent.WRITE, action="posts.close_post", target=post, user=by)
