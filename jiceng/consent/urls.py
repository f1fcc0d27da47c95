from django.urls import path

from . import views

app_name = "consent"
urlpatterns = [
    path("", views.project_list, name="list"),
    path("<int:pk>/", views.project_detail, name="detail"),
    path("round/<int:pk>/", views.round_detail, name="round"),
    path("owner/<int:pk>/reveal/", views.reveal_owner, name="reveal"),
    path("answer/<str:key>/", views.answer, name="answer"),
]
