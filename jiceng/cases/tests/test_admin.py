"""Categories, stations and departments are reference data of the system administrator."""

from __future__ import annotations

from jiceng.accounts.models import User
from jiceng.cases.models import Subject
from jiceng.core.models import AuditRecord
from jiceng.testing.personas import verified_client


def test_the_system_administrator_edits_a_subject_and_it_is_audited(system_admin: User) -> None:
    client = verified_client(system_admin)
    subject = Subject.objects.get(code="utility-water")
    assert client.get("/admin/cases/subject/").status_code == 200
    page = client.get(f"/admin/cases/subject/{subject.pk}/change/")
    assert page.status_code == 200
    form = {
        "code": subject.code,
        "name": subject.name,
        "group": subject.group,
        "function": subject.function,
        "unit_level": subject.unit_level,
        "deadline_class": "EMERGENCY",
        "position": subject.position,
        "is_active": "on",
    }
    saved = client.post(f"/admin/cases/subject/{subject.pk}/change/", form)
    assert saved.status_code == 302
    subject.refresh_from_db()
    assert subject.deadline_class == "EMERGENCY"
    assert AuditRecord.objects.filter(action="admin.change.subject").exists()


def test_other_administrators_cannot_open_the_categories(
    security_admin: User, audit_admin: User
) -> None:
    for admin in (security_admin, audit_admin):
        assert verified_client(admin).get("/admin/cases/subject/").status_code == 403
