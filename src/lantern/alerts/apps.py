from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "lantern.alerts"
    label = "alerts"
    verbose_name = "Alerts: rules over every agency's events, raised to the responsible team"
