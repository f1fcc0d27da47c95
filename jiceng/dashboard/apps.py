from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "jiceng.dashboard"
    verbose_name = "党建驾驶舱"

    def ready(self) -> None:
        from .tiles import autodiscover

        autodiscover()
