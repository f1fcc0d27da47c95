from django.urls import path

from . import views

app_name = "cooperatives"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("weak/", views.weak_list, name="weak"),
    path("village/<int:pk>/", views.village, name="village"),
    path("<int:pk>/", views.detail, name="detail"),
    path("member/<int:pk>/reveal/", views.reveal_head, name="reveal"),
]
