from django.apps import AppConfig


class TransfersConfig(AppConfig):
    name = "jiceng.transfers"
    verbose_name = "组织关系转接"

    def ready(self) -> None:
        from jiceng.accounts.scoping import register_grant_source

        from .grants import grants_of

        register_grant_source(grants_of)
