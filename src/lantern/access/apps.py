from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "lantern.access"
    label = "access"
    verbose_name = "Access"
