from django.urls import path

from . import views

app_name = "taskforces"
urlpatterns = [
    path("", views.home, name="home"),
    path("new/", views.new, name="new"),
    path("figures/", views.figures, name="figures"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/sites/", views.add_site, name="add_site"),
    path("<int:pk>/shifts/", views.add_shifts, name="add_shifts"),
    path("<int:pk>/board/", views.board, name="board"),
    path("<int:pk>/gaps/", views.gaps, name="gaps"),
    path("<int:pk>/gaps/notice/", views.send_gap_notice, name="send_gap_notice"),
    path("<int:pk>/volunteer/", views.volunteer, name="volunteer"),
    path("shifts/<int:pk>/sign-up/", views.sign_up, name="sign_up"),
    path("assignments/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("sites/<int:pk>/", views.site, name="site"),
]
