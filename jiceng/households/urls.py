from django.urls import path

from . import views

app_name = "households"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/resident/", views.reveal, name="reveal"),
    path("<int:pk>/visit/", views.log_visit, name="visit"),
    path("<int:pk>/assign/", views.assign, name="assign"),
    path("visits/<int:pk>/case/", views.visit_case, name="visit_case"),
    path("grids/", views.grids, name="grids"),
    path("grids/<int:grid_id>/", views.grid, name="grid"),
    path("grids/<int:grid_id>/add/", views.add, name="add"),
]
