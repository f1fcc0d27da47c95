from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "jiceng.exports"
    verbose_name = "导出"
