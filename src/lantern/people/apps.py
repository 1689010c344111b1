from django.apps import AppConfig
from django.db.models.signals import post_migrate


class PeopleConfig(AppConfig):
    name = "lantern.people"
    label = "people"
    verbose_name = "People"

    def ready(self) -> None:
        from lantern.core.signals import sync_reference_data

        # Once per migrate, after the people app (and so partners) has its tables.
        post_migrate.connect(sync_reference_data, sender=self, dispatch_uid="lantern-reference")
