"""Open311 GeoReport v2 under /open311/v2/: every resource as .json and .xml, and the spec's
404 for any other path there (another resource, another format)."""

from django.urls import URLPattern, path, re_path, register_converter

from . import views


class FormatConverter:
    regex = "json|xml"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(FormatConverter, "open311format")

app_name = "open311"
urlpatterns: list[URLPattern] = [
    path("discovery.<open311format:fmt>", views.discovery, name="discovery"),
    path("services.<open311format:fmt>", views.service_list, name="services"),
    path(
        "services/<slug:code>.<open311format:fmt>",
        views.service_definition,
        name="service",
    ),
    path("requests.<open311format:fmt>", views.requests, name="requests"),
    path(
        "requests/<str:request_id>.<open311format:fmt>",
        views.request_detail,
        name="request",
    ),
    path("tokens/<str:token_id>.<open311format:fmt>", views.token, name="token"),
    re_path(r"^(?P<rest>.*)$", views.unknown, name="unknown"),
]
