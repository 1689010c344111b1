"""Keeps the roles table in step with partners/data/roles.toml."""

from __future__ import annotations

from pathlib import Path

from lantern.core.datafiles import Field, load_entries

from .models import AgencyKind, Role

ROLES_FILE = Path(__file__).parent / "data" / "roles.toml"
AGENCY_KINDS = frozenset(AgencyKind.values)

ROLE_FIELDS = {
    "code": Field(str),
    "name": Field(str),
    "description": Field(str),
    "agency_kinds": Field(list, choices=AGENCY_KINDS),
    "sees_case_data": Field(bool),
    "sees_totals": Field(bool, required=False, default=False),
    "sees_audit": Field(bool, required=False, default=False),
    "manages_users": Field(bool, required=False, default=False),
    "decides_linkage": Field(bool, required=False, default=False),
}


def roles_sync(path: Path = ROLES_FILE) -> int:
    """Create or update every role in the file. Returns how many there are."""
    entries = load_entries(path, "role", ROLE_FIELDS)
    for order, entry in enumerate(entries):
        code = entry.pop("code")
        Role.objects.update_or_create(code=code, defaults={**entry, "order": order})
    return len(entries)
