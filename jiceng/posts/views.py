"""Responsibility post pages: an organization's posts (and setting one up), a post's page
with the QR code to print on its sign, and the public page the QR code leads to."""

from __future__ import annotations

from typing import Any

import segno
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_http_methods

from jiceng.accounts.access import public, requires
from jiceng.accounts.permissions import Permission
from jiceng.accounts.requests import AuthedRequest
from jiceng.core.errors import NO_SUCH_ACTION, DomainError, InvalidInput, not_found
from jiceng.core.masking import mask_name
from jiceng.core.paths import under
from jiceng.members.models import ACTIVE_STATUSES, Member
from jiceng.orgs.models import Organization
from jiceng.orgs.queries import access_organization

from . import queries, services
from .models import PostKind

P = Permission
HOLDERS_SHOWN = 500


def holders_of(organization: Organization) -> list[Member]:
    """Who may hold a post of the organization: its active members and those below it."""
    return list(
        Member.objects.filter(
            under(organization.path, "organization__path"), status__in=sorted(ACTIVE_STATUSES)
        ).order_by("name", "pk")[:HOLDERS_SHOWN]
    )


def _holder(organization: Organization, raw: str | None) -> Member | None:
    try:
        pk = int(raw or 0)
    except ValueError:
        return None
    return (
        Member.objects.filter(under(organization.path, "organization__path"), pk=pk)
        .select_related("organization")
        .first()
    )


def qr_svg(url: str) -> SafeString:
    svg = segno.make(url, error="m").svg_inline(
        scale=6, dark="#000", light="#fff", title="扫码查看岗位"
    )
    # segno's own SVG of our own URL: it holds no markup from anyone.
    return mark_safe(svg)  # noqa: S308  # nosec B308 B703


@require_http_methods(["GET", "POST"])
@requires(P.VIEW_ORGANIZATIONS)
def organization_posts(request: AuthedRequest, org: int) -> HttpResponse:
    """An organization's posts; those who keep its members set up new ones here."""
    organization = access_organization(request.user, org)
    may_manage = queries.may_manage(request.user, organization)
    error: DomainError | None = None
    if request.method == "POST":
        if not may_manage:
            raise not_found("党组织")
        post = request.POST
        try:
            created = services.set_up_post(
                organization=organization,
                kind=post.get("kind", ""),
                name=post.get("name", ""),
                duty=post.get("duty", ""),
                sign=post.get("sign", ""),
                place=post.get("place", ""),
                holder=_holder(organization, post.get("holder")),
                by=request.user,
            )
        except DomainError as refused:
            error = refused
        else:
            messages.success(request, f"已设立{created.get_kind_display()}：{created.name}")
            return redirect("posts:detail", created.pk)
    return render(
        request,
        "posts/organization.html",
        {
            "organization": organization,
            "posts": list(queries.posts_of(organization)),
            "may_manage": may_manage,
            "holders": holders_of(organization) if may_manage else [],
            "kinds": PostKind.choices,
            "form": request.POST if error else {},
            "error": error,
            "fields": getattr(error, "fields", {}) if error else {},
        },
        status=400 if error else 200,
    )


@require_http_methods(["GET", "POST"])
@requires(P.VIEW_ORGANIZATIONS)
def detail(request: AuthedRequest, pk: int) -> HttpResponse:
    post = queries.access_post(request.user, pk)
    may_manage = queries.may_manage(request.user, post.organization)
    if request.method == "POST":
        post = queries.access_managed_post(request.user, pk)
        action = request.GET.get("action")
        try:
            if action == "holder":
                services.change_holder(
                    post=post,
                    holder=_holder(post.organization, request.POST.get("holder")),
                    by=request.user,
                )
                messages.success(request, "已更换岗位党员")
            elif action == "close":
                services.close_post(post=post, by=request.user)
                messages.success(request, "已撤销该岗位")
                return redirect("posts:organization", post.organization_id)
            else:
                raise InvalidInput(NO_SUCH_ACTION)
        except DomainError as refused:
            messages.error(request, refused.message)
        return redirect("posts:detail", post.pk)
    public_url = request.build_absolute_uri(reverse("posts:public", args=[post.key]))
    return render(
        request,
        "posts/detail.html",
        {
            "post": post,
            "may_manage": may_manage,
            "holders": holders_of(post.organization) if may_manage else [],
            "public_url": public_url,
            "qr": qr_svg(public_url) if post.is_active else "",
        },
    )


@public("责任岗的公开页：岗位、职责和承诺，党员姓名脱敏，二维码指向这里")
def public_page(request: Any, key: str) -> HttpResponse:
    post = queries.public_post(key)
    return render(
        request,
        "posts/public.html",
        {"post": post, "holder_name": mask_name(post.holder.name)},
    )
