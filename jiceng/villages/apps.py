from django.apps import AppConfig


class VillagesConfig(AppConfig):
    name = "jiceng.villages"
    verbose_name = "驻村第一书记与工作队"
