from django.apps import AppConfig


class ConsentConfig(AppConfig):
    name = "jiceng.consent"
    verbose_name = "居民意见征询（加装电梯等）"
