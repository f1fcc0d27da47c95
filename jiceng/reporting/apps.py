from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "jiceng.reporting"
    verbose_name = "双报到"
