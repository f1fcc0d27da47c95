from django.apps import AppConfig


class RectificationConfig(AppConfig):
    name = "jiceng.rectification"
    verbose_name = "软弱涣散党组织整顿"
