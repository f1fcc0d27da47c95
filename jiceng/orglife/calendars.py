"""iCalendar (RFC 5545) feeds of meetings, built with the icalendar package."""

from __future__ import annotations

from collections.abc import Iterable

from icalendar import Calendar, Event

from jiceng.core import clock

from .models import Meeting, MeetingStatus


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
    return calendar.to_ical()
