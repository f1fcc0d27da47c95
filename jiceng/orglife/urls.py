from django.urls import path

from . import views

app_name = "orglife"
urlpatterns = [
    path("", views.my_meetings, name="my_meetings"),
    path("checkin/<str:token>/", views.checkin, name="checkin"),
    path("month/", views.month, name="month"),
    path("org/<int:org>/month/", views.month, name="org_month"),
    path("org/<int:org>/schedule/", views.schedule, name="schedule"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting"),
    path("meetings/<int:pk>/online/", views.online, name="online"),
    path("meetings/<int:pk>/leave/", views.leave_request, name="request_leave"),
    path("meetings/<int:pk>/attendance/", views.attendance_panel, name="attendance"),
    path("meetings/<int:pk>/attendance/mark/", views.mark_attendance, name="mark_attendance"),
    path("meetings/<int:pk>/minutes/", views.save_minutes, name="minutes"),
    path("meetings/<int:pk>/minutes/photos/", views.upload_photo, name="upload_photo"),
    path("meetings/<int:pk>/minutes/photos/<int:photo>/", views.minutes_photo, name="photo"),
    path(
        "meetings/<int:pk>/minutes/photos/<int:photo>/remove/",
        views.remove_photo,
        name="remove_photo",
    ),
    path("meetings/<int:pk>/renew-code/", views.renew_code, name="renew_code"),
    path("meetings/<int:pk>/print/", views.minutes_print, name="print"),
    path("attendance/<int:pk>/leave/", views.leave_decision, name="decide_leave"),
    path("org/<int:org>/talks/", views.talks, name="talks"),
    path("compliance/", views.compliance, name="compliance"),
    path("org/<int:org>/compliance/", views.compliance, name="org_compliance"),
    path("calendar/", views.calendar_settings, name="calendar"),
    path("ical/<str:token>/meetings.ics", views.ical_member, name="ical_member"),
    path("ical/<str:token>/org/<int:org>.ics", views.ical_organization, name="ical_organization"),
]
