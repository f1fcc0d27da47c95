from django.apps import AppConfig


class GridConfig(AppConfig):
    name = "jiceng.grid"
    verbose_name = "网格"
