"""What the case pages say, read as a user would: no doubled characters ("已已签收"), a message
for every move, and no link to a page the user's roles do not open."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.test import Client

from jiceng.accounts.models import User
from jiceng.cases import views
from jiceng.cases.models import Case
from jiceng.testing.cases_personas import Units

DOUBLED = re.compile(r"([\u4e00-\u9fff])\1")
ALLOWED_DOUBLES: frozenset[str] = frozenset()  # e.g. 常常 or 人人, if a page ever needs one


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_every_move_has_its_own_message_without_a_doubled_character() -> None:
    assert set(views.MOVE_DONE) == set(views._moves())
    for text in views.MOVE_DONE.values():
        assert text.startswith("已") and not text.startswith("已已"), text


def test_no_case_template_doubles_a_character() -> None:
    package = Path(settings.BASE_DIR) / "jiceng"
    templates = [*(package / "cases" / "templates").rglob("*.html")]
    templates.append(package / "grid" / "templates" / "grid" / "patrol.html")
    for path in templates:
        found = {m.group(0) for m in DOUBLED.finditer(path.read_text())} - ALLOWED_DOUBLES
        assert not found, (path.name, found)


def test_accepting_says_it_once(submit_case: Callable[..., Case], grid_worker: User) -> None:
    case = submit_case()
    page = signed_in(grid_worker).post(f"/cases/{case.pk}/move/accept/", follow=True)
    text = page.content.decode()
    assert "已签收" in text and not DOUBLED.search(text)


def test_the_case_pages_link_only_where_the_role_may_go(
    submit_case: Callable[..., Case], units: Units, urban_staff: User, grid_worker: User
) -> None:
    submit_case()
    for user, page in ((urban_staff, "/cases/department/"), (grid_worker, "/cases/inbox/")):
        client = signed_in(user)
        text = client.get(page).content.decode()
        nav = text[text.index('class="case-nav"') :].split("</nav>")[0]
        links = re.findall(r'href="(/cases/[^"]*)"', nav)
        assert links, user
        for link in links:
            assert client.get(link).status_code == 200, (user, link)
