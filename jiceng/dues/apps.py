from django.apps import AppConfig


class DuesConfig(AppConfig):
    name = "jiceng.dues"
    verbose_name = "党费"
