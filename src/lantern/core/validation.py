"""Small shared checks that services use to refuse bad input with a clear reason.

Each raises Django's ValidationError keyed by the field, so forms and the API
show the message next to the field it is about.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError

from . import clock


def refuse(field: str, message: str) -> None:
    raise ValidationError({field: [message]})


def check_not_future(field: str, label: str, value: dt.date | dt.datetime | None) -> None:
    if value is None:
        return
    if isinstance(value, dt.datetime):
        if value > clock.now():
            refuse(field, f"{label} cannot be in the future")
    elif value > clock.today():
        refuse(field, f"{label} cannot be in the future")


def check_order(field: str, label: str, start, end, start_label: str) -> None:
    if start is not None and end is not None and end < start:
        refuse(field, f"{label} must be the same as or after {start_label}")


def check_required(field: str, label: str, value) -> None:
    if value is None or (isinstance(value, str) and not value.strip()):
        refuse(field, f"Enter {label}")
