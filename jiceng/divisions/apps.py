from django.apps import AppConfig


class DivisionsConfig(AppConfig):
    name = "jiceng.divisions"
    verbose_name = "行政区划"
