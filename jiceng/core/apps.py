from django.apps import AppConfig
from django.core import checks
from django.db.models.signals import post_migrate, pre_migrate


class CoreConfig(AppConfig):
    name = "jiceng.core"
    verbose_name = "基础"

    def ready(self) -> None:
        # The keys belong to the data (keys.py): migrate records them, the check and the web
        # refuse others.
        from jiceng.core import keys, readonly

        checks.register(keys.check_keys_fit_data, checks.Tags.database)
        post_migrate.connect(keys.record_fingerprints, sender=self)
        # A migration on a hot standby or a read-only session stops before writing anything.
        pre_migrate.connect(readonly.refuse_read_only_node, sender=self)
        keys.guard_requests()
