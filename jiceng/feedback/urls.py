from django.urls import path

from . import views

app_name = "feedback"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("<int:pk>/", views.detail, name="detail"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<int:pk>/", views.answer, name="answer"),
]
