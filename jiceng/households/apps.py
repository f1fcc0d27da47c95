from django.apps import AppConfig


class HouseholdsConfig(AppConfig):
    name = "jiceng.households"
    verbose_name = "党员联系户"
