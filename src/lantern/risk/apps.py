from django.apps import AppConfig


class RiskConfig(AppConfig):
    name = "lantern.risk"
    label = "risk"
    verbose_name = "Risk tools: screening and risk questionnaires, scored, with judgement on top"
