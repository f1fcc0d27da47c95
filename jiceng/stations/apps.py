from django.apps import AppConfig


class StationsConfig(AppConfig):
    name = "jiceng.stations"
    verbose_name = "红帆驿站"
