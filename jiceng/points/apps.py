from django.apps import AppConfig


class PointsConfig(AppConfig):
    name = "jiceng.points"
    label = "points"
    verbose_name = "党员积分"
