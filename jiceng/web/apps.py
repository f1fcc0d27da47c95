from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "jiceng.web"
    verbose_name = "页面"

    def ready(self) -> None:
        from . import workbench

        workbench.autodiscover()  # each app's panels.py registers its workbench panels
