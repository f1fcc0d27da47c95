"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

Playwright never downloads a browser here: it launches /usr/bin/chromium (the `chromium`
package, which `make test` installs). Without it the browser tests skip on a developer's
machine, but fail in CI, where a missing browser means a broken install step.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, ViewportSize, sync_playwright
from pytest_django.live_server_helper import LiveServer

# The named people and the small 栖霞区 tree of the unit tests, also when only e2e/ is run.
pytest_plugins = [
    "jiceng.testing.personas",
    "jiceng.testing.orglife_personas",
    "jiceng.testing.grid_personas",
    "jiceng.testing.cases_personas",
]

# Playwright's sync API keeps an asyncio loop in the test thread, which trips Django's
# "you cannot call this from an async context" guard on every ORM call a test makes.
# Nothing here is really async: each test talks to the database from one thread.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path(os.environ.get("JICENG_CHROMIUM", "/usr/bin/chromium"))

# As root Chromium needs --no-sandbox. The rest keep it from reaching for the network, which
# is closed here and would fill the run with refused connections and failed look-ups.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}

# Keeps a slow page from hanging the run; a page that needs longer than this is a bug.
TIMEOUT_MS = 15_000


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: apt-get install chromium (make test does)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    # launch() gives every run a new, empty profile (its own --user-data-dir) and removes it
    # on close.
    browser = playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


def _new_page(browser: Browser, viewport: ViewportSize, *, is_mobile: bool) -> Iterator[Page]:
    context = browser.new_context(
        locale="zh-CN", viewport=viewport, is_mobile=is_mobile, has_touch=is_mobile
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser context (no cookies) with a desktop-sized window."""
    yield from _new_page(browser, DESKTOP, is_mobile=False)


@pytest.fixture
def phone_page(browser: Browser) -> Iterator[Page]:
    """A fresh browser context the size of a phone, with touch."""
    yield from _new_page(browser, PHONE, is_mobile=True)


@pytest.fixture
def live_url(live_server: LiveServer) -> str:
    """Base URL of the live server, without a trailing slash; the test gets a transactional
    database the server shares."""
    return str(live_server.url).rstrip("/")


@pytest.fixture(autouse=True)
def _fresh_rate_windows() -> Iterator[None]:
    """Each browser test starts with no rate window open: the live server runs in this process,
    so its cache (the per-address sign-in rate, 20 a minute) would otherwise count the
    sign-ins of every test before it, all from 127.0.0.1, and refuse one with 429."""
    from django.core.cache import cache

    cache.clear()
    yield
