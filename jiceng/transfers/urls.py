from django.urls import path

from . import views

app_name = "transfers"
urlpatterns = [
    path("", views.transfer_list, name="list"),
    path("new/<int:member_pk>/", views.transfer_start, name="start"),
    path("<int:pk>/", views.transfer_detail, name="detail"),
    path("<int:pk>/step/", views.transfer_step, name="step"),
    path("<int:pk>/letter/", views.letter_print, name="letter"),
    path("verify/<str:token>/", views.letter_verify, name="verify"),
    path("mobile/", views.mobile_list, name="mobile_list"),
    path("mobile/new/<int:member_pk>/", views.mobile_register, name="mobile_register"),
    path("mobile/<int:pk>/", views.mobile_detail, name="mobile_detail"),
    path("mobile/<int:pk>/step/", views.mobile_step, name="mobile_step"),
]
