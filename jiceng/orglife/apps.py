from django.apps import AppConfig


class OrglifeConfig(AppConfig):
    name = "jiceng.orglife"
    verbose_name = "组织生活"
