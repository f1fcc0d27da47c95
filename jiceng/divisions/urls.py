from django.urls import URLPattern

app_name = "divisions"
urlpatterns: list[URLPattern] = []
