from django.apps import AppConfig


class AppraisalConfig(AppConfig):
    name = "jiceng.appraisal"
    verbose_name = "标准化规范化与模范党组织"
