from django.apps import AppConfig


class DevelopmentConfig(AppConfig):
    name = "jiceng.development"
    verbose_name = "发展党员"
