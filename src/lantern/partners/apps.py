from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "lantern.partners"
    label = "partners"
    verbose_name = "Partners"
