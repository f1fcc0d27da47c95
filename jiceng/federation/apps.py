from django.apps import AppConfig


class FederationConfig(AppConfig):
    name = "jiceng.federation"
    verbose_name = "省级实例联邦"
