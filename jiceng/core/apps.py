from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "jiceng.core"
    verbose_name = "基础"
