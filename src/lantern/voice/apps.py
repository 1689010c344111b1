from django.apps import AppConfig


class VoiceConfig(AppConfig):
    name = "lantern.voice"
    label = "voice"
    verbose_name = "Voice: what children, families and survivors said, and what changed"
