"""Keeps the event types table in step with people/data/event_types.toml."""

from __future__ import annotations

from pathlib import Path

from lantern.core.datafiles import Field, load_entries
from lantern.partners.models import AgencyKind

from .models import EventType, Sensitivity

EVENT_TYPES_FILE = Path(__file__).parent / "data" / "event_types.toml"

EVENT_TYPE_FIELDS = {
    "code": Field(str),
    "name": Field(str),
    "category": Field(str),
    "description": Field(str),
    "agency_kinds": Field(list, choices=frozenset(AgencyKind.values)),
    "has_duration": Field(bool, required=False, default=False),
    "default_sensitivity": Field(
        str, required=False, default="normal", choices=frozenset(Sensitivity.values)
    ),
}


def event_types_sync(path: Path = EVENT_TYPES_FILE) -> int:
    entries = load_entries(path, "event_type", EVENT_TYPE_FIELDS)
    for entry in entries:
        code = entry.pop("code")
        EventType.objects.update_or_create(code=code, defaults=entry)
    return len(entries)
