"""Small helpers the contributors share."""

from __future__ import annotations

from lantern.partners.models import Agency, AgencyKind

from ..registry import Professional

POLICE_KINDS = frozenset({AgencyKind.POLICE, AgencyKind.NATIONAL_POLICE_UNIT})


def is_police(agency: Agency | None) -> bool:
    return agency is not None and agency.kind in POLICE_KINDS


def worker(user) -> Professional | None:
    """A worker named as a professional: their name and job, as they acted in it."""
    if user is None:
        return None
    name = user.get_full_name() or user.get_username()
    job = getattr(user, "job_title", "") or ""
    return Professional(f"{name}, {job}" if job else name)


def yes_no(value) -> str:
    if value is None:
        return ""
    return "Yes" if value else "No"
