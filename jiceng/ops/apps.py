from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "jiceng.ops"
    verbose_name = "运行与监控"
