from django.apps import AppConfig


class OrglifeConfig(AppConfig):
    name = "jiceng.orglife"
    verbose_name = "组织生活"

    def ready(self) -> None:
        from jiceng.members.signals import member_moved

        from . import talks

        # Whether a talk counts follows its member (members.signals says why a signal).
        member_moved.connect(talks.follow_member, dispatch_uid="orglife.talks.follow_member")
