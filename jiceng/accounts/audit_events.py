"""Sign-ins, failed sign-ins, sign-outs and lockouts, written to the audit log.

These are signal receivers, against the habit of the codebase, because Django's auth signals
are the only hook that every sign-in path passes through: the sign-in page, the admin's, the
API's session auth and anything that calls `authenticate()` or `login()` later.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.http import HttpRequest

from jiceng.core import audit, masking
from jiceng.core.models import AuditEvent, AuditResult

User = get_user_model()


def _ip(request: HttpRequest | None) -> str | None:
    return audit.client_ip(request) if request is not None else None


def _username_kept(typed: str, *, known: bool) -> str:
    """A username that names no account is kept with its ID and phone numbers masked
    (core.masking): people type their phone number where the username goes, and mistype it."""
    return typed if known else masking.mask_text(typed)


def on_logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    audit.record(AuditEvent.SIGN_IN, action="accounts.sign_in", user=user, ip=_ip(request))


def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # Only the username is taken from the credentials: Django has already masked the password,
    # but nothing else a backend may receive belongs in the log either.
    typed = str(credentials.get(User.USERNAME_FIELD) or credentials.get("username") or "")
    known = User._default_manager.filter(**{User.USERNAME_FIELD: typed}).first() if typed else None
    audit.record(
        AuditEvent.SIGN_IN_FAILED,
        action="accounts.sign_in",
        result=AuditResult.FAILURE,
        user=known,
        username=_username_kept(typed, known=known is not None),
        ip=_ip(request),
    )


def on_logged_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is None:  # signing out without being signed in
        return
    audit.record(AuditEvent.SIGN_OUT, action="accounts.sign_out", user=user, ip=_ip(request))


def on_locked_out(
    sender: Any,
    request: HttpRequest | None = None,
    username: str | None = None,
    ip_address: str | None = None,
    **kwargs: Any,
) -> None:
    # django-axes sends this when an account is locked and again for each attempt while it is.
    typed = username or ""
    known = (
        User._default_manager.filter(**{User.USERNAME_FIELD: typed}).exists() if typed else False
    )
    audit.record(
        AuditEvent.LOCKED_OUT,
        action="accounts.lock_out",
        result=AuditResult.REFUSED,
        username=_username_kept(typed, known=known),
        ip=_ip(request) or ip_address,
    )


def connect() -> None:
    uid = "jiceng.accounts.audit_events"
    user_logged_in.connect(on_logged_in, dispatch_uid=f"{uid}.logged_in")
    user_login_failed.connect(on_login_failed, dispatch_uid=f"{uid}.login_failed")
    user_logged_out.connect(on_logged_out, dispatch_uid=f"{uid}.logged_out")
    if apps.is_installed("axes"):
        from axes.signals import user_locked_out

        user_locked_out.connect(on_locked_out, dispatch_uid=f"{uid}.locked_out")
