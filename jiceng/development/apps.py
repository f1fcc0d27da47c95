from django.apps import AppConfig


class DevelopmentConfig(AppConfig):
    name = "jiceng.development"
    verbose_name = "发展党员"

    def ready(self) -> None:
        from jiceng.orgs.signals import organization_moved

        from . import tallies

        # The subtree rollup follows a move of the tree (orgs.signals says why a signal).
        organization_moved.connect(
            tallies.follow_move, dispatch_uid="development.tallies.follow_move"
        )
