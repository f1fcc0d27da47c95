"""Background work of cases (Django's tasks API): notices, and the deadline tick."""

from __future__ import annotations

from django_tasks import task

from jiceng.core import audit

from . import services
from .models import Case


@task()
def notify_handlers(case_id: int, text: str) -> int:
    """Tells the people of the unit now handling the case (the grid's workers ...)."""
    case = Case.objects.select_related("grid", "subject").filter(pk=case_id).first()
    if case is None:
        return 0
    return services.send_notices(
        user_ids=services.handler_user_ids(case), case_id=case_id, text=f"{text}（{case.number}）"
    )


@task()
def notify_users(user_ids: list[int], case_id: int, text: str) -> int:
    return services.send_notices(user_ids=user_ids, case_id=case_id, text=text)


@task()
def tick() -> dict[str, int]:
    """The same as `jiceng tick`, for a scheduler that enqueues tasks."""
    with audit.acting(username="tick"):
        result = services.tick()
    return dict(vars(result))
