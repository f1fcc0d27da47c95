"""The refusals the case writes share (the moves in `services`, the whistle in `whistle`)."""

from __future__ import annotations

from jiceng.core.errors import Conflict, Forbidden

NOT_YOURS = "您不是该诉求的承办人"


class CaseMoved(Conflict):
    """The case is not (or no longer) in a status the move leaves from."""


def require(allowed: bool, message: str = NOT_YOURS) -> None:
    """Refuses with `message` unless `allowed` (a `queries.can_*` answer for the user)."""
    if not allowed:
        raise Forbidden(message)
