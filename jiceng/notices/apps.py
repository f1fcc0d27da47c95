from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "jiceng.notices"
    verbose_name = "通知中心"
