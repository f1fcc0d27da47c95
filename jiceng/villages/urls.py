from django.urls import path

from . import views

app_name = "villages"
urlpatterns = [
    path("", views.today, name="today"),
    path("month/", views.my_month, name="month"),
    path("leave/", views.leave, name="leave"),
    path("log/", views.monthly_log, name="log"),
    path("deeds/", views.deeds, name="deeds"),
    path("teams/", views.teams, name="teams"),
    path("teams/new/", views.new_dispatch, name="new"),
    path("dispatch/<int:pk>/", views.dispatch_detail, name="dispatch"),
    path("leaves/", views.leaves, name="leaves"),
    path("leaves/<int:pk>/decide/", views.decide, name="decide"),
    path("below/", views.below_rule, name="below"),
]
