from django.urls import path

from . import views

app_name = "posts"
urlpatterns = [
    path("org/<int:org>/", views.organization_posts, name="organization"),
    path("<int:pk>/", views.detail, name="detail"),
    path("p/<str:key>/", views.public_page, name="public"),
]
