"""Photos of the minutes (会议照片): upload by the page and the API, type by content, size, scope,
removal before and after sign-off, shown through a view that checks access."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from jiceng.accounts.models import User
from jiceng.core import clock
from jiceng.core.models import AuditRecord
from jiceng.orglife import rules
from jiceng.orglife.attendance import check_in
from jiceng.orglife.checkin_codes import checkin_token
from jiceng.orglife.minutes import add_minutes_photo, record_minutes, sign_minutes
from jiceng.orglife.models import Meeting, MinutesAmendment, MinutesPhoto
from jiceng.testing.orglife_personas import (
    DURING,
    JPEG_BYTES,
    PNG_BYTES,
    THEME_DAY_START,
    WEBP_BYTES,
    Branch,
)

AFTER = THEME_DAY_START + dt.timedelta(hours=3)
BODY = {"items": [{"title": "学习党章", "summary": "交流体会"}], "resolutions": ["志愿服务"]}


def client_of(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api_upload(client: Client, meeting: Meeting, name: str, data: bytes, **extra: str):
    return client.post(
        f"/api/v1/orglife/meetings/{meeting.pk}/minutes/photos",
        {"photo": SimpleUploadedFile(name, data), **extra},
    )


@pytest.fixture
def recorded(theme_day: Meeting, orglife_branch: Branch) -> Meeting:
    with clock.frozen(DURING):
        check_in(token=checkin_token(theme_day), by=orglife_branch.chen)
    with clock.frozen(AFTER):
        record_minutes(meeting=theme_day, body=BODY, by=orglife_branch.secretary)
    return theme_day


def test_image_type_reads_magic_bytes_not_names():
    assert rules.image_type(PNG_BYTES[:16]) == ("image/png", "png")
    assert rules.image_type(JPEG_BYTES[:16]) == ("image/jpeg", "jpg")
    assert rules.image_type(WEBP_BYTES[:16]) == ("image/webp", "webp")
    assert rules.image_type(b"GIF89a" + b"\x00" * 10) is None
    assert rules.image_type(b"RIFF\x00\x00\x00\x00WAVE") is None
    assert rules.image_type(b"") is None


def test_api_upload_is_stored_audited_and_served_to_the_secretary(
    recorded: Meeting, orglife_branch: Branch, media_root: Path
):
    secretary = client_of(orglife_branch.secretary)
    with clock.frozen(AFTER):
        response = api_upload(secretary, recorded, "会场.bin", PNG_BYTES, caption="学习现场")
        out = response.json()
        served = secretary.get(out["url"])
        listed = secretary.get(f"/api/v1/orglife/meetings/{recorded.pk}/minutes/photos").json()
    assert response.status_code == 201, response.content
    assert out["content_type"] == "image/png" and out["size"] == len(PNG_BYTES)
    photo = MinutesPhoto.objects.get()
    stored = media_root / str(photo.image.name)
    assert stored.read_bytes() == PNG_BYTES and stored.suffix == ".png"
    assert "会场" not in str(photo.image.name)
    assert AuditRecord.objects.filter(action="orglife.add_minutes_photo").count() == 1
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert served.getvalue() == PNG_BYTES
    assert [p["id"] for p in listed] == [photo.pk]


def test_page_upload_of_webp_shows_on_meeting_page_and_print_view(
    recorded: Meeting, orglife_branch: Branch, media_root: Path
):
    secretary = client_of(orglife_branch.secretary)
    with clock.frozen(AFTER):
        secretary.post(
            f"/orglife/meetings/{recorded.pk}/minutes/photos/",
            {"photo": SimpleUploadedFile("a.png", WEBP_BYTES), "caption": "志愿服务合影"},
        )
        photo = MinutesPhoto.objects.get()
        url = f"/orglife/meetings/{recorded.pk}/minutes/photos/{photo.pk}/"
        page = secretary.get(f"/orglife/meetings/{recorded.pk}/").content.decode()
        printed = secretary.get(f"/orglife/meetings/{recorded.pk}/print/").content.decode()
    assert photo.content_type == "image/webp"
    assert url in page and url in printed and "志愿服务合影" in printed


@pytest.mark.parametrize(
    ("name", "data"),
    [("photo.jpg", b"<html>not an image</html>"), ("photo.gif", b"GIF89a" + b"\x00" * 50)],
)
def test_other_types_are_refused_whatever_the_name(
    recorded: Meeting, orglife_branch: Branch, media_root: Path, name: str, data: bytes
):
    with clock.frozen(AFTER):
        response = api_upload(client_of(orglife_branch.secretary), recorded, name, data)
    assert response.status_code == 400
    assert "JPEG" in response.json()["detail"]
    assert not MinutesPhoto.objects.exists()
    assert not media_root.exists() or not any(media_root.rglob("*.*"))


def test_too_large_a_photo_is_refused(
    recorded: Meeting, orglife_branch: Branch, media_root: Path, settings
):
    settings.JICENG_MINUTES_PHOTO_MAX_BYTES = 100
    with clock.frozen(AFTER):
        response = api_upload(client_of(orglife_branch.secretary), recorded, "a.jpg", JPEG_BYTES)
    assert response.status_code == 400 and response.json()["fields"]["photo"] == "文件过大"
    assert not MinutesPhoto.objects.exists()


def test_out_of_scope_secretary_and_member_get_404_or_403(
    recorded: Meeting, orglife_branch: Branch, sibling_secretary: User, media_root: Path
):
    with clock.frozen(AFTER):
        photo = add_minutes_photo(
            meeting=recorded,
            upload=SimpleUploadedFile("a.jpg", JPEG_BYTES),
            by=orglife_branch.secretary,
        )
        other = client_of(sibling_secretary)
        assert api_upload(other, recorded, "b.jpg", JPEG_BYTES).status_code == 404
        url = f"/orglife/meetings/{recorded.pk}/minutes/photos/{photo.pk}/"
        assert other.get(url).status_code == 404
        assert other.post(url + "remove/").status_code == 404
        assert client_of(orglife_branch.chen).get(url).status_code in (403, 404)
    assert MinutesPhoto.objects.count() == 1


def test_removal_before_sign_off_deletes_after_only_by_amendment(
    recorded: Meeting, orglife_branch: Branch, media_root: Path, django_capture_on_commit_callbacks
):
    secretary = client_of(orglife_branch.secretary)
    base = f"/api/v1/orglife/meetings/{recorded.pk}/minutes/photos"
    with clock.frozen(AFTER):
        first = api_upload(secretary, recorded, "a.jpg", JPEG_BYTES).json()
        stored = media_root / str(MinutesPhoto.objects.get(pk=first["id"]).image.name)
        with django_capture_on_commit_callbacks(execute=True):
            removed = secretary.post(f"{base}/{first['id']}/remove", {}, "application/json")
        assert removed.status_code == 204
        assert not MinutesPhoto.objects.exists() and not stored.exists()

        second = api_upload(secretary, recorded, "b.png", PNG_BYTES).json()
        sign_minutes(meeting=recorded, by=orglife_branch.secretary)
        refused = secretary.post(f"{base}/{second['id']}/remove", {}, "application/json")
        assert refused.status_code == 400 and MinutesPhoto.objects.get().removed_at is None
        late = api_upload(secretary, recorded, "c.jpg", JPEG_BYTES)
        assert late.status_code == 400
        added = api_upload(secretary, recorded, "c.jpg", JPEG_BYTES, reason="补上会场照片")
        assert added.status_code == 201
        done = secretary.post(
            f"{base}/{second['id']}/remove", {"reason": "照片拍错了"}, "application/json"
        )
        assert done.status_code == 204
        listed = secretary.get(base).json()
    kept = MinutesPhoto.objects.get(pk=second["id"])
    assert kept.removed_at is not None and (media_root / str(kept.image.name)).exists()
    assert [p["id"] for p in listed] == [added.json()["id"]]
    reasons = list(MinutesAmendment.objects.values_list("reason", "photo_id"))
    assert reasons == [
        ("补充照片：补上会场照片", added.json()["id"]),
        ("删除照片：照片拍错了", second["id"]),
    ]


def test_upload_without_a_file_is_a_clear_400(
    recorded: Meeting, orglife_branch: Branch, media_root: Path
):
    with clock.frozen(AFTER):
        response = client_of(orglife_branch.secretary).post(
            f"/api/v1/orglife/meetings/{recorded.pk}/minutes/photos", {"caption": "x"}
        )
    assert response.status_code == 400 and response.json()["fields"]["photo"] == "请选择照片"
