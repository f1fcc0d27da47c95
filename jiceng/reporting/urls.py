from django.urls import path

from . import views

app_name = "reporting"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("sign-up/<str:kind>/<int:pk>/", views.sign_up, name="sign_up"),
    path("end/", views.end_mine, name="end_mine"),
    path("community/", views.communities, name="communities"),
    path("community/<str:code>/", views.community, name="community"),
    path("community/<str:code>/feedback/", views.community_feedback, name="community_feedback"),
    path("community/<str:code>/<str:kind>/<int:pk>/", views.item, name="item"),
    path("branch/", views.branch, name="branch"),
    path("feedback/<int:pk>/read/", views.feedback_read, name="feedback_read"),
    path("organization/<int:org>/", views.organization, name="organization"),
    path("rules/", views.rule_list, name="rules"),
]
