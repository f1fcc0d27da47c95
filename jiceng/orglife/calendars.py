"""Calendar subscriptions: the secret token in a user's calendar addresses, and the iCalendar
(RFC 5545) feed of meetings they return, built with the icalendar package."""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from django.db import transaction
from icalendar import Calendar, Event

from jiceng.accounts.models import User
from jiceng.core import audit, clock

from .models import CalendarToken, Meeting, MeetingStatus


def feed(name: str, meetings: Iterable[Meeting], *, host: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Jiceng//orglife//ZH")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Asia/Shanghai")
    stamp = clock.now()
    for meeting in meetings:
        event = Event()
        event.add("uid", f"meeting-{meeting.pk}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", meeting.starts_at.astimezone(clock.CHINA))
        event.add("dtend", meeting.ends_at.astimezone(clock.CHINA))
        event.add("summary", f"{meeting.get_kind_display()}：{meeting.title}")
        if meeting.place:
            event.add("location", meeting.place)
        event.add("description", f"{meeting.organization.name}，{meeting.get_audience_display()}")
        event.add(
            "status", "CANCELLED" if meeting.status == MeetingStatus.CANCELLED else "CONFIRMED"
        )
        calendar.add_component(event)
    ical: bytes = calendar.to_ical()
    return ical


@transaction.atomic
def issue_calendar_token(*, by: User) -> CalendarToken:
    """A new secret for the user's calendar addresses; the old one stops working."""
    CalendarToken.objects.filter(user=by).delete()
    token = CalendarToken.objects.create(
        user=by, token=secrets.token_urlsafe(32), created_at=clock.now()
    )
    audit.record(audit.AuditEvent.WRITE, action="orglife.issue_calendar_token", target=by, user=by)
    return token


@transaction.atomic
def revoke_calendar_token(*, by: User) -> None:
    CalendarToken.objects.filter(user=by).delete()
    audit.record(audit.AuditEvent.WRITE, action="orglife.revoke_calendar_token", target=by, user=by)
