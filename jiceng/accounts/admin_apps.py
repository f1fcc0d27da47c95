"""Installs the three administrators' site (admin_site.JicengAdminSite) as Django's default
admin site. Kept apart from admin_site.py: an app config module must not import models."""

from django.contrib.admin.apps import AdminConfig


class JicengAdminConfig(AdminConfig):
    default_site = "jiceng.accounts.admin_site.JicengAdminSite"
