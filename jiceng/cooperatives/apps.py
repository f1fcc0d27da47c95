from django.apps import AppConfig


class CooperativesConfig(AppConfig):
    name = "jiceng.cooperatives"
    verbose_name = "党组织领办合作社与村集体经济"
