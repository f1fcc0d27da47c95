"""A long export is written in the background: the same file as one made at once (masked,
audited in the requester's name), its progress on a page, the download for the requester only,
the file gone after its time. The test settings run tasks at once (ImmediateBackend), so the
job runs when the request's transaction commits."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from jiceng.accounts.models import User
from jiceng.core import clock
from jiceng.core.excel import XLSX_CONTENT_TYPE
from jiceng.core.models import AuditRecord
from jiceng.exports import jobs
from jiceng.exports.models import ExportJob, ExportKind, ExportStatus
from jiceng.exports.services import MAX_WORKING, start_export
from jiceng.testing.personas import Tree, add_member, new_id_number

CLEAR_ID = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")
CLEAR_MOBILE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")
NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=clock.CHINA)


@pytest.fixture
def exports_dir(settings: Any, tmp_path: Path) -> Path:
    """Every export goes to the background, and its file to a directory of the test's own."""
    settings.JICENG_EXPORT_INLINE_ROWS = 0
    settings.JICENG_EXPORT_DIR = str(tmp_path / "exports")
    return tmp_path / "exports"


@pytest.fixture
def numbered(tree: Tree) -> list[tuple[str, str]]:
    numbers = []
    for i, organization in enumerate([tree.branch, tree.branch, tree.sibling]):
        id_number, phone = new_id_number(), f"1381234{i:04d}"
        add_member(organization, name=f"导出{i}", id_number=id_number, phone=phone)
        numbers.append((id_number, phone))
    return numbers


def client_of(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def cells(content: bytes) -> list[tuple[object, ...]]:
    return list(openpyxl.load_workbook(io.BytesIO(content)).worksheets[0].values)


def run_export(client: Client, url: str, capture: Callable[..., Any]) -> tuple[ExportJob, Any, Any]:
    """Asks (the page), starts (the POST; the task runs on commit), and downloads."""
    with clock.frozen(NOW):
        asked = client.get(url)
        assert asked.status_code == 200 and "开始导出" in asked.content.decode()
        with capture(execute=True):
            started = client.post(url)
        job = ExportJob.objects.latest("pk")
        assert started.status_code == 302 and started["Location"] == f"/exports/{job.pk}/"
        page = client.get(started["Location"])
        download = client.get(f"/exports/{job.pk}/download/")
    job.refresh_from_db()
    return job, page, download


def test_a_member_list_is_written_in_the_background_masked_and_audited(
    tree: Tree,
    numbered: list[tuple[str, str]],
    street_official: User,
    exports_dir: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = client_of(street_official)
    url = f"{reverse('members:export')}?org={tree.xianlin.pk}"
    # the same export made at once, to compare with
    job, page, download = run_export(client, url, django_capture_on_commit_callbacks)
    assert job.status == ExportStatus.DONE and job.total == 3 and job.done == 3
    assert job.expires_at == NOW + dt.timedelta(hours=24)
    assert job.params == {"query": {"org": str(tree.xianlin.pk)}}
    assert "已完成，共 3 行" in page.content.decode() and "download-link" in page.content.decode()
    assert download.status_code == 200 and download["Content-Type"] == XLSX_CONTENT_TYPE
    assert "attachment" in download["Content-Disposition"]
    assert download["Cache-Control"] == "no-store"
    rows = cells(b"".join(download.streaming_content))
    assert [r[0] for r in rows[1:]] == ["导出0", "导出1", "导出2"]
    text = "\n".join(" ".join("" if v is None else str(v) for v in row) for row in rows)
    assert not CLEAR_ID.search(text) and not CLEAR_MOBILE.search(text)
    for id_number, phone in numbered:
        assert id_number not in text and phone not in text
    assert rows[1][4] == numbered[0][0][:6] + "*" * 12  # masked as lists show it

    made = AuditRecord.objects.get(action="members.export")
    assert made.user_id == street_official.pk and made.ip == "127.0.0.1"
    assert json.loads(made.detail) == {"organization": tree.xianlin.pk, "rows": 3}
    assert AuditRecord.objects.filter(action="exports.download", user=street_official).count() == 1
    stored = exports_dir / job.stored_as
    assert stored.exists() and stored.stat().st_mode & 0o077 == 0


def test_background_and_at_once_write_the_same_cells(
    tree: Tree,
    numbered: list[tuple[str, str]],
    street_official: User,
    settings: Any,
    exports_dir: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = client_of(street_official)
    url = f"{reverse('members:export')}?org={tree.xianlin.pk}&status=FULL"
    _, _, download = run_export(client, url, django_capture_on_commit_callbacks)
    background = cells(b"".join(download.streaming_content))
    settings.JICENG_EXPORT_INLINE_ROWS = 5000
    with clock.frozen(NOW):
        at_once = client.get(url)
    assert at_once["Content-Type"] == XLSX_CONTENT_TYPE
    assert cells(at_once.content) == background


def test_an_organization_subtree_is_written_in_the_background(
    tree: Tree,
    street_official: User,
    exports_dir: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = client_of(street_official)
    url = reverse("orgs:export", args=[tree.community.pk])
    job, _, download = run_export(client, url, django_capture_on_commit_callbacks)
    assert job.kind == ExportKind.ORGANIZATIONS and job.status == ExportStatus.DONE
    rows = cells(b"".join(download.streaming_content))
    assert rows[1][0] == tree.community.name and len(rows) == 1 + job.total
    assert AuditRecord.objects.get(action="orgs.export").user_id == street_official.pk


def test_progress_is_reported_every_thousand_rows(
    tree: Tree, street_official: User, exports_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker tells the job how far it got (the page's bar reads `done`)."""
    seen: list[int] = []
    original = jobs._members

    def watching(job: ExportJob, progress: Callable[[int], None]) -> bytes:
        def spy(rows: int) -> None:
            progress(rows)
            seen.append(ExportJob.objects.get(pk=job.pk).done)

        return original(job, spy)

    monkeypatch.setitem(jobs.BUILDERS, ExportKind.MEMBERS, watching)
    monkeypatch.setattr("jiceng.members.exports.PROGRESS_EVERY", 2)
    for i in range(5):
        add_member(tree.branch, name=f"党员{i}")
    job = ExportJob.objects.create(
        requested_by=street_official,
        kind=ExportKind.MEMBERS,
        params={"query": {"org": str(tree.branch.pk)}},
        title="t",
        filename="t.xlsx",
        total=5,
        created_at=clock.now(),
    )
    assert jobs.run_export_job(job.pk) == ExportStatus.DONE
    assert seen == [2, 4]
    job.refresh_from_db()
    assert job.done == 5 and job.percent == 100
    assert jobs.run_export_job(job.pk) == "skipped"  # done once, never twice


def test_the_progress_block_polls_while_working_and_stops_when_done(
    tree: Tree, street_official: User, exports_dir: Path
) -> None:
    job = ExportJob.objects.create(
        requested_by=street_official,
        kind=ExportKind.MEMBERS,
        params={"query": {}},
        title="全部党员",
        filename="a.xlsx",
        total=40_000,
        done=10_000,
        status=ExportStatus.RUNNING,
        created_at=clock.now(),
    )
    client = client_of(street_official)
    working = client.get(f"/exports/{job.pk}/progress/").content.decode()
    assert 'hx-trigger="every 1s"' in working
    assert re.search(r"已写 10,?000 / 40,?000 行", working)  # grouped as the locale says
    assert 'value="25"' in working
    assert jobs.run_export_job(job.pk) == "skipped"  # RUNNING already: not started twice
    ExportJob.objects.filter(pk=job.pk).update(status=ExportStatus.FAILED, error="导出失败")
    failed = client.get(f"/exports/{job.pk}/progress/").content.decode()
    assert "hx-trigger" not in failed and "导出失败" in failed


def test_only_the_requester_downloads(
    tree: Tree,
    numbered: list[tuple[str, str]],
    street_official: User,
    district_department: User,
    member_user: User,
    exports_dir: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = client_of(street_official)
    url = f"{reverse('members:export')}?org={tree.xianlin.pk}"
    job, _, _ = run_export(client, url, django_capture_on_commit_callbacks)
    other = client_of(district_department)  # sees more than the requester, still not theirs
    for path in ("", "progress/", "download/"):
        assert other.get(f"/exports/{job.pk}/{path}").status_code == 404
        assert client_of(member_user).get(f"/exports/{job.pk}/{path}").status_code == 403
        assert Client().get(f"/exports/{job.pk}/{path}").status_code == 302
    assert "还没有后台导出" in other.get("/exports/").content.decode()
    assert job.title in client_of(street_official).get("/exports/").content.decode()


def test_the_file_is_deleted_after_its_time(
    tree: Tree,
    numbered: list[tuple[str, str]],
    street_official: User,
    exports_dir: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = client_of(street_official)
    url = f"{reverse('members:export')}?org={tree.xianlin.pk}"
    job, _, _ = run_export(client, url, django_capture_on_commit_callbacks)
    stored = exports_dir / job.stored_as
    later = NOW + dt.timedelta(hours=24, minutes=1)
    with clock.frozen(later):
        late = client_of(street_official).get(f"/exports/{job.pk}/download/")
        assert late.status_code == 302 and stored.exists()  # refused before the purge ran
        assert jobs.purge_expired_exports() == 1
        page = client_of(street_official).get(f"/exports/{job.pk}/").content.decode()
    job.refresh_from_db()
    assert job.status == ExportStatus.EXPIRED and not stored.exists() and job.stored_as == ""
    assert "文件已过期删除（保留24小时）" in page


def test_a_small_export_still_downloads_at_once(
    tree: Tree, numbered: list[tuple[str, str]], street_official: User
) -> None:
    response = client_of(street_official).get(f"{reverse('members:export')}?org={tree.xianlin.pk}")
    assert response["Content-Type"] == XLSX_CONTENT_TYPE and not ExportJob.objects.exists()


def test_a_search_by_id_number_is_never_kept_in_a_job(
    tree: Tree, numbered: list[tuple[str, str]], street_official: User, exports_dir: Path
) -> None:
    id_number = numbered[0][0]
    response = client_of(street_official).get(
        reverse("members:export"), {"org": str(tree.xianlin.pk), "id_number": id_number}
    )
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert not ExportJob.objects.exists()


def test_a_few_exports_at_a_time(tree: Tree, street_official: User, exports_dir: Path) -> None:
    def start() -> ExportJob:
        return start_export(
            kind=ExportKind.MEMBERS,
            params={"query": {}},
            title="全部",
            filename="a.xlsx",
            total=10,
            by=street_official,
            ip=None,
        )

    for _ in range(MAX_WORKING):
        start()  # queued: no commit in the test's transaction, so no worker ran them
    page = client_of(street_official).post(f"{reverse('members:export')}?org={tree.xianlin.pk}")
    assert "您已有3个导出正在进行" in page.content.decode()
    assert ExportJob.objects.count() == MAX_WORKING


def test_a_requester_who_lost_the_right_to_export_gets_no_file(
    tree: Tree, street_official: User, exports_dir: Path
) -> None:
    job = ExportJob.objects.create(
        requested_by=street_official,
        kind=ExportKind.MEMBERS,
        params={"query": {}},
        title="t",
        filename="t.xlsx",
        created_at=clock.now(),
    )
    street_official.roles.all().delete()
    assert jobs.run_export_job(job.pk) == ExportStatus.FAILED
    job.refresh_from_db()
    assert job.error == "您已没有导出数据的权限" and job.stored_as == ""
    assert not AuditRecord.objects.filter(action="members.export").exists()
