"""A long export in real Chromium on a phone: the page says how many rows, the job starts, its
progress block polls (htmx) until the worker is done, and the download link gives the file.
The worker is the test itself: the task is caught when queued and run here, while the page
waits."""

from __future__ import annotations

import io
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import openpyxl
import pytest
from playwright.sync_api import Browser, expect

from jiceng.accounts.models import User
from jiceng.exports import jobs, services
from jiceng.exports.models import ExportJob, ExportStatus
from jiceng.testing.personas import PASSWORD, Tree, add_member

from .conftest import PHONE, TIMEOUT_MS

pytestmark = pytest.mark.e2e


def test_a_long_member_export_shows_its_progress_and_downloads(
    browser: Browser,
    live_url: str,
    tree: Tree,
    street_official: User,
    settings: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings.JICENG_EXPORT_INLINE_ROWS = 2  # three members make a "long" export
    settings.JICENG_EXPORT_DIR = str(tmp_path)
    queued: list[int] = []
    monkeypatch.setattr(
        services, "tasks", SimpleNamespace(run_export=SimpleNamespace(enqueue=queued.append))
    )
    for i in range(3):
        add_member(tree.branch, name=f"党员{i}")

    context = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(f"{live_url}/accounts/login/")
    page.get_by_label("用户名").fill(street_official.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()

    page.goto(f"{live_url}/members/export.xlsx?org={tree.xianlin.pk}")
    expect(page.locator("#export-count")).to_have_text("3")
    page.get_by_role("button", name="开始导出").click()
    expect(page.locator("#export-progress")).to_contain_text("排队中")
    assert len(queued) == 1

    assert jobs.run_export_job(queued[0]) == ExportStatus.DONE  # the worker, meanwhile
    link = page.locator("#download-link")
    expect(link).to_be_visible()  # the polled block replaced itself
    expect(page.locator("#export-progress")).to_contain_text("已完成")
    with page.expect_download() as download:
        link.click()
    content = Path(download.value.path()).read_bytes()
    rows = list(openpyxl.load_workbook(io.BytesIO(content)).worksheets[0].values)
    assert [r[0] for r in rows[1:]] == ["党员0", "党员1", "党员2"]
    assert ExportJob.objects.get().status == ExportStatus.DONE
    context.close()
