from django.apps import AppConfig


class TaskforcesConfig(AppConfig):
    name = "jiceng.taskforces"
    verbose_name = "党员突击队"
