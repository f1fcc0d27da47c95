from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "jiceng.cases"
    verbose_name = "接诉即办"
