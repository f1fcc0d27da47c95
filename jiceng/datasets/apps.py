from django.apps import AppConfig


class DatasetsConfig(AppConfig):
    """Synthetic data sets (模拟数据): `jiceng seed` and `jiceng load-demo`. No models."""

    name = "jiceng.datasets"
    verbose_name = "模拟数据"
