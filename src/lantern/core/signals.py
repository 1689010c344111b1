"""Reference data is synced from the data files after every migrate."""

from __future__ import annotations


def sync_reference_data(sender, **kwargs) -> None:
    from lantern.partners.reference import roles_sync
    from lantern.people.reference import event_types_sync

    roles_sync()
    event_types_sync()
