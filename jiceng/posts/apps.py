from django.apps import AppConfig


class PostsConfig(AppConfig):
    name = "jiceng.posts"
    verbose_name = "党员责任岗"
