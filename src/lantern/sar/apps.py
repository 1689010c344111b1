from django.apps import AppConfig


class SarConfig(AppConfig):
    name = "lantern.sar"
    label = "sar"
    verbose_name = "Subject access: a person's own record, redacted, checked and released"
