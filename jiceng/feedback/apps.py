from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "jiceng.feedback"
    verbose_name = "投诉建议"
