from django.apps import AppConfig


class AnnualStatisticsConfig(AppConfig):
    name = "jiceng.annual_statistics"
    verbose_name = "党内统计年报"
