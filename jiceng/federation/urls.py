from django.urls import path

from . import views

app_name = "federation"
urlpatterns = [
    path("", views.provinces, name="provinces"),
    path("exchange/", views.exchange_problems, name="exchange_problems"),
    path("exchange/<str:box>/<int:pk>/retry/", views.exchange_retry, name="exchange_retry"),
    path("incoming/", views.incoming_list, name="incoming_list"),
    path("incoming/<int:pk>/", views.incoming_detail, name="incoming_detail"),
    path(
        "incoming/<int:pk>/personal-data/",
        views.incoming_personal_data,
        name="incoming_personal_data",
    ),
    path("incoming/<int:pk>/answer/", views.incoming_answer, name="incoming_answer"),
    path("transfers/new/<int:member_pk>/", views.cross_start, name="cross_start"),
    path("transfers/<int:pk>/redirect/", views.cross_redirect, name="cross_redirect"),
    path("<str:province>/<int:local_id>/", views.organization, name="organization"),
]
