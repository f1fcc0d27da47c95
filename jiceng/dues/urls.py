from django.urls import path

from . import views

app_name = "dues"
urlpatterns = [
    path("", views.home, name="home"),
    path("members/<int:pk>/", views.member_page, name="member"),
    path("members/<int:pk>/pay/", views.pay, name="pay"),
    path("members/<int:pk>/base/", views.set_base, name="set_base"),
    path("members/<int:pk>/reduction/", views.reduce, name="reduce"),
    path("members/<int:pk>/reason/", views.reason, name="reason"),
    path("receipts/<int:pk>/", views.receipt, name="receipt"),
    path("orgs/<int:pk>/", views.branch, name="branch"),
    path("orgs/<int:pk>/totals/", views.totals, name="totals"),
    path("orgs/<int:pk>/generate/", views.generate, name="generate"),
    path("orgs/<int:pk>/remit/", views.remit, name="remit"),
    path("orgs/<int:pk>/export.xlsx", views.export, name="export"),
    path("import/bases/", views.import_bases, name="import_bases"),
    path("import/bases/template.xlsx", views.bases_template, name="bases_template"),
    path("import/payments/", views.import_payments, name="import_payments"),
    path("import/payments/template.xlsx", views.payments_template, name="payments_template"),
]
