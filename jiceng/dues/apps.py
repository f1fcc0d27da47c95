from django.apps import AppConfig


class DuesConfig(AppConfig):
    name = "jiceng.dues"
    verbose_name = "党费"

    def ready(self) -> None:
        from jiceng.orgs.signals import organization_moved

        from . import billing

        # The subtree rollup follows a move of the tree (orgs.signals says why a signal).
        organization_moved.connect(billing.follow_move, dispatch_uid="dues.billing.follow_move")
