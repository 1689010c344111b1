from django.apps import AppConfig


class TimescalesConfig(AppConfig):
    name = "lantern.timescales"
    label = "timescales"
    verbose_name = "Statutory timescales"
