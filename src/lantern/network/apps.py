from django.apps import AppConfig


class NetworkConfig(AppConfig):
    name = "lantern.network"
    label = "network"
    verbose_name = "Context and networks"
