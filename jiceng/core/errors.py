"""Errors that services raise and every interface turns into its own answer."""

from __future__ import annotations


class DomainError(Exception):
    """A refused operation; `message` is shown to the person (in Chinese)."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    """The object does not exist or lies outside the user's scope (the two look the same)."""

    status = 404


def not_found(thing: str) -> NotFound:
    """The one answer for a row that does not exist or lies outside the user's scope, in one
    wording everywhere: the two look the same, so a refusal never tells that the row exists."""
    return NotFound(f"{thing}不存在或不在您的管理范围内")


# A page's POST names an action (?action=...) that the page does not have.
NO_SUCH_ACTION = "没有这项操作"


class Forbidden(DomainError):
    """The user's roles do not allow the operation at all (a row outside their scope is
    NotFound instead, so that its existence is not told)."""

    status = 403


class Conflict(DomainError):
    """The object changed under us (a concurrent move); try again."""

    status = 409


class InvalidInput(DomainError):
    """Bad input, with per-field messages where known."""

    status = 400

    def __init__(self, message: str, *, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.fields = fields or {}


class AppendOnly(DomainError):
    """A change to a record that may only be added to (the audit log), never altered."""

    status = 403
