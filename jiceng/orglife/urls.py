from django.urls import URLPattern

app_name = "orglife"
urlpatterns: list[URLPattern] = []
