from django.urls import path

from . import views

app_name = "cases"
urlpatterns = [
    path("submit/", views.citizen_submit, name="submit"),
    path("track/", views.lookup, name="lookup"),
    path("track/<str:token>/", views.track, name="track"),
    path("track/<str:token>/<str:key>/", views.track, name="feedback"),
    path("inbox/", views.inbox, name="inbox"),
    path("dispatch/", views.dispatch_console, name="dispatch"),
    path("dispatch/new/", views.hotline_intake, name="hotline"),
    path("from-finding/<int:finding_id>/", views.case_from_finding, name="from_finding"),
    path("whistle/", views.whistle_board, name="whistle"),
    path("department/", views.department_inbox, name="department"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/phone/", views.case_phone, name="phone"),
    path("<int:pk>/photo/", views.case_photo, name="photo"),
    path("<int:pk>/move/<slug:move>/", views.case_move, name="move"),
    path("<int:pk>/summons/", views.case_summon, name="summon"),
    path("reports/<int:pk>/<slug:action>/", views.report_action, name="report"),
]
